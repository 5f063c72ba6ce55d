import { z } from 'zod';

/**
 * The node's fence watchdog: the last line of `g:` fencing when the agent itself is gone. dockerd runs
 * with `--live-restore`, so a master's container survives its agent (SIGKILL, crash, OOM); with nobody
 * renewing the lease, a new master is elected after lease + margin, and the old container must be
 * stopped by then. The agent writes, after every lease renewal, the instant each of its `g:` leases
 * lapses (the lease file, below); a small process beside it (src/fence-watchdog) that outlives it reads
 * the file and stops every running `g:` container of the node whose lease is not valid at that instant.
 *
 * Pure: what to stop, given the file, the node's containers and the time.
 */

/** Milliseconds of CLOCK_MONOTONIC: one clock for every process on the machine, immune to wall-clock steps. */
export type MonotonicMs = number;

export const FenceLease = z.object({
  app: z.string().min(1).max(100),
  component: z.string().min(1).max(63),
  term: z.number().int().positive(),
  /** When the lease lapses (CLOCK_MONOTONIC ms): the agent's last successful renewal's send time + leaseMs. */
  lapsesAt: z.number().finite(),
});
export type FenceLease = z.infer<typeof FenceLease>;

/** `DATA_DIR/fence/leases.json`, rewritten (temp file + rename) on every renewal and role change. */
export const FenceFile = z.object({
  version: z.literal(1),
  nodeId: z.string().min(1).max(140),
  /** The machine's boot (`/proc/sys/kernel/random/boot_id`): monotonic instants of another boot mean nothing. */
  bootId: z.string().min(1).max(64),
  /** The agent that wrote it: the watchdog ends once it is gone and nothing is left to guard. */
  agentPid: z.number().int().positive(),
  /** The leases this node holds now; a `g:` component without an entry may not run. */
  leases: z.array(FenceLease).max(1000),
});
export type FenceFile = z.infer<typeof FenceFile>;

/** A container of this node as the watchdog sees it (its labels, from the engine). */
export interface GuardedContainer {
  id: string;
  app: string;
  component: string;
  /** Docker's state: only `running` (and `restarting`, `paused`) ones can still serve or write. */
  state: string;
}

const key = (app: string, component: string) => `${app.toLowerCase()}\u0000${component.toLowerCase()}`;
const ALIVE = new Set(['running', 'restarting', 'paused']);

/** Where the watchdog runs: which node, which boot of the machine. */
export interface WatchdogSelf {
  nodeId: string;
  bootId: string;
}

/**
 * The `g:` containers to stop at `now`: every live one whose (app, component) has no lease in the file,
 * or a lease that lapsed (`lapsesAt <= now`, the instant the agent would fence it too). No file (never
 * written, unreadable), or one of another node or an earlier boot: nothing may run. Containers of other
 * nodes are not given here.
 */
export function containersToStop(self: WatchdogSelf, file: FenceFile | null, containers: GuardedContainer[], now: MonotonicMs): string[] {
  const trusted = file && file.nodeId === self.nodeId && file.bootId === self.bootId ? file : null;
  const valid = new Set<string>();
  for (const l of trusted?.leases ?? []) if (l.lapsesAt > now) valid.add(key(l.app, l.component));
  return containers.filter((c) => ALIVE.has(c.state) && !valid.has(key(c.app, c.component))).map((c) => c.id);
}

/**
 * Should the watchdog end? Once the agent that wrote the file is gone and no `g:` container of the
 * node is alive, there is nothing left to guard: the next agent starts a new watchdog.
 */
export function nothingToGuard(agentAlive: boolean, containers: GuardedContainer[]): boolean {
  return !agentAlive && !containers.some((c) => ALIVE.has(c.state));
}

/** The lease entries the agent writes: each held lease with its lapse moved to the machine's monotonic clock. */
export function fenceLeases(held: Array<{ app: string; component: string; term: number; lapsesAt: number | null }>, agentNow: number, monoNow: MonotonicMs): FenceLease[] {
  return held.flatMap((h) => (h.lapsesAt === null ? [] : [{ app: h.app, component: h.component, term: h.term, lapsesAt: monoNow + (h.lapsesAt - agentNow) }]));
}
