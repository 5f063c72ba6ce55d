/**
 * What the domain manager knows about the network, as read from its projection: the inputs of the
 * routing decision. Plain data, so the decider can be tested without a database.
 */
export interface RoutableApp {
  /** Lowercased app name (Flux names are unique case-insensitively). */
  name: string;
  /** Public ports in spec order (v1 `port`, v2/v3 `ports`, v4+ every `compose[].ports`). */
  ports: number[];
}

export interface RoutableInstance {
  app: string;
  nodeId: string;
  /** Address the node publishes the app's ports on (may carry `:apiPort`, Flux style). */
  ip: string;
  /** Host ports the node agent reported as published; empty means "the spec's ports". */
  ports: number[];
  running: boolean;
}

export interface RoutingState {
  apps: RoutableApp[];
  instances: RoutableInstance[];
}
