import { isIP } from 'node:net';
import type { RoutingState, RoutableInstance } from './routing-state';
import type { Backend, BackendServer, HostRoute, RouteTable } from './route-table';
import { serving } from './primary';
import { customDomainHosts, domainOwners } from './custom-domains';

/** Names that are safe both as a DNS label and inside HAProxy identifiers. `_` is reserved for `<app>_<port>`. */
const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Decides the routes for `domain` from the projected state, Flux FDM style:
 * - every public port P of an active app gets `<app>_<P>.app.<domain>` → backend `be_<app>_<P>`;
 * - `<app>.app.<domain>` is an alias of the app's first port;
 * - a backend's servers are the running instances of the app that publish P, at `<ip>:<P>`;
 * - a custom domain (and its `www.`) → the backend of its port, for the app with the oldest claim;
 * - a primary/standby (`g:`) app is served only by its primary: the running instance on the node of
 *   the master of the highest term seen (see `serving`); no master yet, no server (503).
 * Apps without running instances keep their backends (empty: HAProxy answers 503, which says
 * "known app, nothing up" instead of a 404), so instances coming and going never change the shape
 * of the config and can be applied through the runtime API.
 */
export function desiredRoutes(state: RoutingState, domain: string): RouteTable {
  const zone = `app.${domain.toLowerCase()}`;
  const hosts: HostRoute[] = [];
  const backends: Backend[] = [];
  const running = groupRunning(state.instances);
  for (const app of state.apps) {
    const name = app.name.toLowerCase();
    if (!APP_NAME.test(name) || app.ports.length === 0) continue;
    const instances = servingInstances(running.get(name) ?? [], serving(app, state.masters));
    for (const [i, port] of app.ports.entries()) {
      const backend = `be_${name}_${port}`;
      hosts.push({ host: `${name}_${port}.${zone}`, backend });
      if (i === 0) hosts.push({ host: `${name}.${zone}`, backend });
      backends.push({ name: backend, app: name, port, servers: serversFor(instances, port), ...(app.primaryStandby?.length ? { exclusive: true } : {}) });
    }
  }
  // Custom domains (and their www.) go to the backend of the port they name, for the app that owns them.
  const routed = new Set(backends.map((b) => b.name));
  for (const owner of domainOwners(state.apps, zone)) {
    const backend = `be_${owner.app}_${owner.port}`;
    if (routed.has(backend)) for (const host of customDomainHosts(owner.domain)) hosts.push({ host, backend });
  }
  return {
    hosts: uniqueBy(hosts, (h) => h.host).sort((a, b) => compare(a.host, b.host)),
    backends: uniqueBy(backends, (b) => b.name).sort((a, b) => compare(a.name, b.name)),
  };
}

export function groupRunning(instances: RoutableInstance[]): Map<string, RoutableInstance[]> {
  const out = new Map<string, RoutableInstance[]>();
  for (const inst of instances) {
    if (!inst.running || beingReplaced(inst)) continue;
    const app = inst.app.toLowerCase();
    out.set(app, [...(out.get(app) ?? []), inst]);
  }
  return out;
}

/**
 * A running instance the scheduler placed again with another spec: its agent replaces the container
 * once the routes no longer send it traffic, so it leaves the routes now (drained, then InstanceDrained).
 */
export function beingReplaced(inst: RoutableInstance): boolean {
  return Boolean(inst.scheduledHash && inst.specHash && inst.scheduledHash !== inst.specHash);
}

/** The running instances that serve the app: all, or only the primary's (one node, hence one server per port). */
export function servingInstances(running: RoutableInstance[], who: ReturnType<typeof serving>): RoutableInstance[] {
  if (who.kind === 'all') return running;
  if (who.kind === 'none') return [];
  return running.filter((i) => i.nodeId === who.nodeId).slice(0, 1);
}

function serversFor(instances: RoutableInstance[], port: number): BackendServer[] {
  const servers: BackendServer[] = [];
  for (const inst of instances) {
    // An instance of an older spec may not publish a port the current spec has: never route there.
    if (inst.ports.length > 0 && !inst.ports.includes(port)) continue;
    const address = hostAddress(inst.ip);
    if (!address) continue;
    servers.push({ name: serverName(address, port), address, port, owner: { app: inst.app.toLowerCase(), nodeId: inst.nodeId, specHash: inst.specHash ?? '' } });
  }
  // Two instances on one address are one server (same socket); keep it once.
  return uniqueBy(servers, (s) => s.name).sort((a, b) => compare(a.name, b.name));
}

/** Flux locations carry `ip:apiPort`; only the address matters for the app's own ports. */
export function hostAddress(ip: string): string | undefined {
  const trimmed = ip.trim().toLowerCase();
  // Node's isIP accepts an IPv6 zone id (`fe80::1%eth0`, any text after `%`); HAProxy refuses `%` in a
  // server name, so one such instance would make `haproxy -c` fail every apply of every app.
  if (trimmed.includes('%')) return undefined;
  if (isIP(trimmed)) return trimmed;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(trimmed);
  if (v4WithPort && isIP(v4WithPort[1]!) === 4) return v4WithPort[1];
  const v6WithPort = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(trimmed);
  if (v6WithPort && isIP(v6WithPort[1]!) === 6) return v6WithPort[1];
  return undefined;
}

/** HAProxy server names allow [A-Za-z0-9_.:-]; `ip:port` also tells an operator what it is. */
function serverName(address: string, port: number): string {
  return `${address}:${port}`;
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Code-point order, independent of the locale, so rendering is byte-for-byte deterministic. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
