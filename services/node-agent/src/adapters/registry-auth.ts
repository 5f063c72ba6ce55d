import { Rpc } from '@fluxplane/contracts';
import type { EventStore } from '@fluxplane/eventstore';
import { RpcClient } from '@fluxplane/service-kit';

/** Basic credentials for one component's private image. */
export interface PullCredentials {
  username: string;
  password: string;
}

/**
 * Where the agent gets a private image's credentials at pull time. They are never stored nor logged,
 * and never travel in an event (every node reads placement events).
 */
export interface RegistryAuthSource {
  /** The component's credentials; null when its image is public. Throws when refused or unreachable. */
  credentials(app: string, component: string): Promise<PullCredentials | null>;
}

export const REGISTRY_AUTH = Symbol('fluxplane.node-agent.registry-auth');

/** How long the agent waits for app-registry's answer before the start fails (the next pass retries). */
const ASK_TIMEOUT_MS = 10_000;

/**
 * Asks app-registry (`qry.app-registry.registry-auth`) as this node; it answers only while the node
 * holds a placement of the app.
 */
export class BusRegistryAuth implements RegistryAuthSource {
  private readonly rpc: RpcClient;

  constructor(store: EventStore, private readonly nodeId: string, timeoutMs = ASK_TIMEOUT_MS) {
    this.rpc = new RpcClient(store, timeoutMs);
  }

  async credentials(app: string, component: string): Promise<PullCredentials | null> {
    return (await this.rpc.call(Rpc.registryAuth, { app, component, nodeId: this.nodeId })).auth;
  }
}

/** No source: a private image cannot be pulled (a local copy may still run). */
export const NO_REGISTRY_AUTH: RegistryAuthSource = {
  credentials: async () => {
    throw new Error('no registry credentials source configured');
  },
};
