/**
 * The routing decision: which host goes to which backend, and which servers each backend has.
 * Everything is sorted, so equal decisions are equal values (and render to equal text).
 */
export interface BackendServer {
  /** Stable server name, derived from the address: the same instance keeps its name across applies. */
  name: string;
  address: string;
  port: number;
  /** The instance behind it (not rendered): InstanceRouted / InstanceDrained name it. */
  owner?: ServerOwner;
}

export interface ServerOwner {
  app: string;
  nodeId: string;
  /** The spec its container runs (InstanceStarted); empty when not reported. */
  specHash: string;
}

export interface Backend {
  /** `be_<app>_<port>`: one backend per public port of an app. */
  name: string;
  app: string;
  port: number;
  servers: BackendServer[];
  /**
   * A primary/standby (`g:`) app's backend: one server, the master. A server leaving it is cut at
   * once, not drained: a drain would keep serving sticky clients from an old master beside the new one.
   */
  exclusive?: boolean;
}

export interface HostRoute {
  /** Lowercase, without port: what `req.hdr(host),lower,field(1,:)` yields. */
  host: string;
  backend: string;
}

export interface RouteTable {
  hosts: HostRoute[];
  backends: Backend[];
}

/** `ip:port` of a server as HAProxy and the RoutesApplied event write it (IPv6 in brackets). */
export function serverEndpoint(s: Pick<BackendServer, 'address' | 'port'>): string {
  return s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
}

/** The summary published in RoutesApplied: host → servers of its backend. */
export function routeSummary(table: RouteTable): Array<{ host: string; servers: string[] }> {
  const byName = new Map(table.backends.map((b) => [b.name, b]));
  return table.hosts.map((h) => ({ host: h.host, servers: (byName.get(h.backend)?.servers ?? []).map(serverEndpoint) }));
}
