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
  /**
   * Host paths bound into the container. The engine must refuse a source that does not exist rather
   * than create it: sources lie inside volume mounts, and an unmounted volume must never turn into a
   * directory on the root disk.
   */
  binds?: Array<{ source: string; target: string }>;
}

/** One container as listed by the engine: the fields the agent uses, plus Docker's own record for the API. */
export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  state: string;
  labels: Record<string, string>;
  /** Docker's list entry as is (`/apps/listrunningapps` returns these, with FluxOS's names: src/api/running-apps.ts). */
  raw: Record<string, unknown>;
}

export interface PullProgress {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
}

/** Credentials for one pull from a private registry (Docker's `X-Registry-Auth`). Never logged. */
export interface PullAuth {
  username: string;
  password: string;
  /** The registry they are for: `host[:port]`, or Docker Hub's auth address. */
  serveraddress: string;
}

export interface ContainerRuntime {
  /** Throws unless the engine answers. */
  ping(): Promise<void>;
  /** Pulls an image and resolves only when the pull has finished (or rejects with Docker's error); `auth` for a private registry. */
  pull(image: string, onProgress?: (p: PullProgress) => void, auth?: PullAuth): Promise<void>;
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
  /** The last `tail` lines of the container's stdout and stderr, interleaved as written. */
  logs(idOrName: string, tail: number): Promise<string>;
  /** One sample of the engine's resource statistics (CPU, memory, network, block I/O). */
  stats(idOrName: string): Promise<Record<string, unknown>>;
  /** The engine's whole record of the container. */
  inspect(idOrName: string): Promise<Record<string, unknown>>;
  /** Stops (SIGTERM, SIGKILL after `timeoutSec`) and starts the same container. */
  restart(idOrName: string, timeoutSec: number): Promise<void>;
}

/** An engine error, with Docker's HTTP status when there is one (404 missing, 409 conflict, ...). */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export const CONTAINER_RUNTIME = Symbol('fluxplane.node-agent.container-runtime');
