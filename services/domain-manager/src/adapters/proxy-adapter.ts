import type { RouteTable } from '../domain/route-table';

export type ApplyMethod = 'none' | 'runtime' | 'reload';

export interface ApplyResult {
  method: ApplyMethod;
  /** Why a reload was needed (or why the runtime path was left). */
  reason?: string;
  /** Cleanup is left (servers out of rotation, not deleted yet): apply again soon. */
  pending?: boolean;
  /** How soon to apply again when pending (default 1 s): sooner while servers drain or wait for a check. */
  retryInMs?: number;
}

/** One server as HAProxy runs it now (`backend/name` keyed). */
export interface LiveServer {
  /** In rotation with its health check up: requests go there. */
  serving: boolean;
  /** May still get or hold requests (serving, or draining with streams left). */
  carrying: boolean;
  /** Retired after its drain grace ran out with requests in flight. */
  cut?: boolean;
}

/**
 * Where routes take effect. The applier only knows this interface, so the decision and the
 * event flow are independent of HAProxy (and testable against a fake).
 */
export interface ProxyAdapter {
  /**
   * Makes the proxy route exactly `table`. Idempotent: applying the same table again does nothing,
   * unless `verify` asks to check the live proxy against it first (periodic resync).
   */
  apply(table: RouteTable, opts?: { verify?: boolean }): Promise<ApplyResult>;
  /** Throws when the proxy does not answer (for /health). */
  ping(): Promise<void>;
  /** The live state of its servers, for InstanceRouted / InstanceDrained; absent = not known (announces nothing). */
  liveServers?(): Promise<Map<string, LiveServer>>;
  /**
   * Forgets what it believes the proxy runs (another replica may have driven it meanwhile): the next
   * apply reads the live proxy again.
   */
  forget?(): void;
}

export const PROXY_ADAPTER = Symbol('fluxplane.domain-manager.proxy-adapter');
