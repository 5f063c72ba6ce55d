/**
 * What the domain manager knows about the network, as read from its projection: the inputs of the
 * routing decision. Plain data, so the decider can be tested without a database.
 */
export interface RoutableApp {
  /** Lowercased app name (Flux names are unique case-insensitively). */
  name: string;
  /** Public ports in spec order (v1 `port`, v2/v3 `ports`, v4+ every `compose[].ports`). */
  ports: number[];
  /**
   * The app's `g:` (primary/standby) components, in spec order (runtime view `data.syncMode === 'g'`).
   * Non-empty: the whole app is routed only to its primary, the master of the first of them.
   */
  primaryStandby?: string[];
  /**
   * Custom domains the app's spec claims (`customDomains` of its runtime view), each with the port it
   * routes to and the stream sequence of the event that first claimed it (kept across updates that
   * keep the domain): the oldest claim owns a domain (see `domainOwners`).
   */
  domains?: CustomDomain[];
}

export interface CustomDomain {
  domain: string;
  port: number;
  since: number;
}

/** The master of the highest term seen for one `g:` component of an app (MasterElected). */
export interface ComponentMaster {
  app: string;
  component: string;
  nodeId: string;
  term: number;
}

export interface RoutableInstance {
  app: string;
  nodeId: string;
  /** Address the node publishes the app's ports on (may carry `:apiPort`, Flux style). */
  ip: string;
  /** Host ports the node agent reported as published; empty means "the spec's ports". */
  ports: number[];
  /** false: placed (InstanceScheduled) but not started, or stopped/failed since. Only running ones are routed. */
  running: boolean;
  /** The spec the running container has (InstanceStarted). */
  specHash?: string;
  /**
   * The spec the scheduler placed last (InstanceScheduled). When it differs from `specHash`, the
   * container is about to be replaced (a rolling update): it is drained now, before the agent stops it.
   */
  scheduledHash?: string;
}

export interface RoutingState {
  apps: RoutableApp[];
  instances: RoutableInstance[];
  /** At most one per app and component: the highest term seen. */
  masters?: ComponentMaster[];
}
