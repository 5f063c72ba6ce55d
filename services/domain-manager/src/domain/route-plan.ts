import type { BackendServer, RouteTable } from './route-table';

export interface ServerChanges {
  backend: string;
  add: BackendServer[];
  /** Server names to take out. */
  remove: string[];
}

/**
 * How to get HAProxy from `current` to `next`:
 * - `none`: nothing routable changed;
 * - `runtime`: only server sets changed, applied through the runtime API without a reload;
 * - `reload`: the shape changed (a backend appeared or went, a host moved), which the runtime API
 *   of 2.6 cannot do: backends cannot be created at runtime, and the config must be reloaded anyway.
 * Without a known current state (first apply) the answer is always `reload`.
 */
export type ApplyPlan =
  | { kind: 'none' }
  | { kind: 'runtime'; changes: ServerChanges[] }
  | { kind: 'reload'; reason: string };

export function planApply(current: RouteTable | undefined, next: RouteTable): ApplyPlan {
  if (!current) return { kind: 'reload', reason: 'no applied state known' };
  const hostsOf = (t: RouteTable) => t.hosts.map((h) => `${h.host} ${h.backend}`).join('\n');
  if (hostsOf(current) !== hostsOf(next)) return { kind: 'reload', reason: 'hosts changed' };
  const namesOf = (t: RouteTable) => t.backends.map((b) => b.name).join('\n');
  if (namesOf(current) !== namesOf(next)) return { kind: 'reload', reason: 'backends changed' };

  const changes: ServerChanges[] = [];
  const before = new Map(current.backends.map((b) => [b.name, b]));
  for (const backend of next.backends) {
    const old = new Map(before.get(backend.name)!.servers.map((s) => [s.name, s]));
    const add = backend.servers.filter((s) => !old.has(s.name));
    const keep = new Set(backend.servers.map((s) => s.name));
    const remove = [...old.keys()].filter((name) => !keep.has(name));
    // Names come from the address, so a known name with another address means a changed derivation:
    // let a reload sort it out rather than guess.
    if (backend.servers.some((s) => old.has(s.name) && (old.get(s.name)!.address !== s.address || old.get(s.name)!.port !== s.port))) {
      return { kind: 'reload', reason: `server address changed in ${backend.name}` };
    }
    if (add.length > 0 || remove.length > 0) changes.push({ backend: backend.name, add, remove });
  }
  return changes.length === 0 ? { kind: 'none' } : { kind: 'runtime', changes };
}

/** One runtime API step: take a server out of rotation, or put one in. */
export type RuntimeStep =
  | { op: 'disable'; backend: string; name: string }
  | { op: 'enable'; backend: string; server: BackendServer };

/**
 * The order in which runtime changes are applied: every server is taken out (in every backend) before
 * any is put in. So when a primary/standby app's master moves, the old master's servers on all its
 * ports are out of rotation before the new master's first one is in: never two masters served at once.
 */
export function runtimeSteps(changes: ServerChanges[]): RuntimeStep[] {
  return [
    ...changes.flatMap((c) => c.remove.map((name): RuntimeStep => ({ op: 'disable', backend: c.backend, name }))),
    ...changes.flatMap((c) => c.add.map((server): RuntimeStep => ({ op: 'enable', backend: c.backend, server }))),
  ];
}
