import type { RouteTable, ServerOwner } from './route-table';

/** One server as HAProxy runs it now (see ProxyAdapter.liveServers), keyed `backend/name`. */
export interface ServerLife {
  serving: boolean;
  carrying: boolean;
  cut?: boolean;
}

/** What was last said about an instance: routed with a spec on these servers (`backend/name`). */
export interface Announced {
  app: string;
  nodeId: string;
  specHash: string;
  servers: string[];
}

export type Announcement =
  | { type: 'InstanceRouted'; app: string; nodeId: string; specHash: string; servers: string[] }
  | { type: 'InstanceDrained'; app: string; nodeId: string; specHash: string; servers: string[]; cut: boolean };

export const instanceKey = (i: { app: string; nodeId: string }) => `${i.app.toLowerCase()}\u0000${i.nodeId}`;

/**
 * Decides which instance facts are due, from the routes, what HAProxy runs, and what was said before
 * (`routed`: the instances last announced InstanceRouted and not drained since):
 * - InstanceRouted when every server of a routed instance (one per public port) is serving, and it was
 *   not announced yet with this spec;
 * - InstanceDrained for an announced instance that left the routes (unscheduled, stopped, or placed
 *   again with another spec) once none of its servers carries requests any more; or at once when the
 *   routes hold it with another spec already (its old container is gone: the agent did not wait).
 * Pure: the applier keeps `routed` and appends what this returns.
 */
export function announcements(table: RouteTable, live: ReadonlyMap<string, ServerLife>, routed: ReadonlyMap<string, Announced>): Announcement[] {
  const wanted = new Map<string, { owner: ServerOwner; servers: string[] }>();
  for (const backend of table.backends) {
    for (const server of backend.servers) {
      if (!server.owner) continue;
      const k = instanceKey(server.owner);
      const entry = wanted.get(k) ?? { owner: server.owner, servers: [] };
      entry.servers.push(`${backend.name}/${server.name}`);
      wanted.set(k, entry);
    }
  }
  const out: Announcement[] = [];
  for (const [k, before] of routed) {
    const now = wanted.get(k);
    if (now && now.owner.specHash === before.specHash) continue;
    const replacedAlready = now !== undefined;
    if (!replacedAlready && before.servers.some((s) => live.get(s)?.carrying)) continue;
    const cut = replacedAlready || before.servers.some((s) => live.get(s)?.cut === true);
    out.push({ type: 'InstanceDrained', app: before.app, nodeId: before.nodeId, specHash: before.specHash, servers: before.servers, cut });
  }
  for (const [k, { owner, servers }] of wanted) {
    const before = routed.get(k);
    if (before && before.specHash === owner.specHash) continue;
    if (!owner.specHash || !servers.every((s) => live.get(s)?.serving)) continue;
    out.push({ type: 'InstanceRouted', app: owner.app, nodeId: owner.nodeId, specHash: owner.specHash, servers: [...servers].sort() });
  }
  return out;
}

/** `routed` after the announcements were appended. */
export function afterAnnouncements(routed: Map<string, Announced>, done: readonly Announcement[]): void {
  for (const a of done) {
    const k = instanceKey(a);
    if (a.type === 'InstanceRouted') routed.set(k, { app: a.app, nodeId: a.nodeId, specHash: a.specHash, servers: a.servers });
    else if (routed.get(k)?.specHash === a.specHash) routed.delete(k);
  }
}
