/**
 * The little of Docker the agent needs, behind an interface so the reconcile loop does not depend on
 * dockerode (and another engine, or a fake, can stand in).
 */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  env: string[];
  /** Replaces the image's CMD when given. */
  cmd?: string[];
  /** Host port on `hostIp` → container port (TCP). */
  ports: Array<{ host: number; container: number }>;
  hostIp: string;
  memoryBytes: number;
  nanoCpus: number;
}

/** One container as listed by the engine: the fields the agent uses, plus Docker's own record for the API. */
export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  state: string;
  labels: Record<string, string>;
  /** Docker's list entry as is (FluxOS's `/apps/listrunningapps` returns these). */
  raw: Record<string, unknown>;
}

export interface PullProgress {
  status?: string;
  id?: string;
  progress?: string;
}

export interface ContainerRuntime {
  /** Throws unless the engine answers. */
  ping(): Promise<void>;
  /** Pulls an image and resolves only when the pull has finished (or rejects with Docker's error). */
  pull(image: string, onProgress?: (p: PullProgress) => void): Promise<void>;
  hasImage(image: string): Promise<boolean>;
  /** Returns the new container's id. */
  create(spec: ContainerSpec): Promise<string>;
  start(idOrName: string): Promise<void>;
  /** Stops gracefully (SIGTERM, then SIGKILL after `timeoutSec`); a stopped container is fine. */
  stop(idOrName: string, timeoutSec: number): Promise<void>;
  /** Removes (forcefully); a missing container is fine. */
  remove(idOrName: string): Promise<void>;
  /** Containers in any state whose labels include all of `labels`. */
  list(labels: Record<string, string>): Promise<ContainerSummary[]>;
}

/** An engine error, with Docker's HTTP status when there is one (404 missing, 409 conflict, ...). */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export const CONTAINER_RUNTIME = Symbol('fluxplane.node-agent.container-runtime');
