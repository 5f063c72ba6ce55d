import type { Failure } from './report';

/**
 * What the agent does with a container of the current spec that exited (crashed): the agent, not
 * Docker's restart policy, restarts it, so a crash loop can end. Like Kubernetes' CrashLoopBackOff,
 * restarts back off exponentially; unlike it, a container that crashed `maxRestarts` times within
 * `windowMs` is given up on: the instance is reported `InstanceFailed` and the scheduler places it
 * on another node (and never tries that spec on this node again).
 */
export interface CrashPolicy {
  /** Restarts allowed within `windowMs`; the crash after the last of them fails the instance. */
  maxRestarts: number;
  windowMs: number;
  /** Wait before the second restart within the window; doubles for each further one, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicy = { maxRestarts: 5, windowMs: 5 * 60_000, initialBackoffMs: 1000, maxBackoffMs: 60_000 };

export type CrashDecision =
  | { kind: 'restart' }
  | { kind: 'wait'; untilMs: number }
  | { kind: 'give-up'; error: string };

/** What is known about a crash: the container's exit code when the engine said. */
export interface Crash {
  component: string;
  exitCode?: number;
}

/** Restarts of the last `windowMs` (what counts against the limit). */
export function recentRestarts(policy: CrashPolicy, restarts: readonly number[], now: number): number[] {
  return restarts.filter((t) => t > now - policy.windowMs && t <= now);
}

/** The wait after the last restart before the next one, when `recent` restarts happened in the window. */
export function backoffAfter(policy: CrashPolicy, recent: number): number {
  if (recent === 0) return 0;
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (recent - 1));
}

/**
 * The decision for a crashed container, from the times of its earlier restarts (of this spec): the
 * first crash is restarted at once; the next ones after a doubling wait counted from the last
 * restart; once `maxRestarts` restarts fall within the window, the next crash gives up.
 */
export function decideCrash(policy: CrashPolicy, restarts: readonly number[], now: number, crash: Crash): CrashDecision {
  const recent = recentRestarts(policy, restarts, now);
  if (recent.length >= policy.maxRestarts) {
    const code = crash.exitCode === undefined ? '' : `; last exit code ${crash.exitCode}`;
    return {
      kind: 'give-up',
      error: `crash loop: component ${crash.component} exited ${recent.length + 1} times within ${Math.round(policy.windowMs / 1000)} s (restart limit ${policy.maxRestarts})${code}`,
    };
  }
  const last = recent.length > 0 ? Math.max(...recent) : -Infinity;
  const untilMs = last + backoffAfter(policy, recent.length);
  return now >= untilMs ? { kind: 'restart' } : { kind: 'wait', untilMs };
}

interface Entry {
  specHash: string;
  restarts: number[];
  failed?: string;
}

/**
 * The restart history per app and component, kept in memory: a restarted agent starts counting
 * again (at worst a crash-looping container gets `maxRestarts` more tries). A given-up instance stays
 * given up for that spec until it is unscheduled or its spec changes. The caller passes the clock.
 */
export class CrashTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: CrashPolicy = DEFAULT_CRASH_POLICY) {}

  /** Decides on a crash and records what was decided (a restart's time, a give-up). */
  decide(app: string, specHash: string, crash: Crash, now: number): CrashDecision {
    const key = `${app}\u0000${crash.component}`;
    let e = this.entries.get(key);
    if (!e || e.specHash !== specHash) {
      e = { specHash, restarts: [] };
      this.entries.set(key, e);
    }
    if (e.failed) return { kind: 'give-up', error: e.failed };
    const d = decideCrash(this.policy, e.restarts, now, crash);
    if (d.kind === 'restart') e.restarts = [...recentRestarts(this.policy, e.restarts, now), now];
    if (d.kind === 'give-up') e.failed = d.error;
    return d;
  }

  /** The failure to report for an app, if one of its components was given up on with this spec. */
  failure(app: string, specHash: string): Failure | undefined {
    for (const [key, e] of this.entries) {
      if (key.startsWith(`${app}\u0000`) && e.specHash === specHash && e.failed) return { specHash, error: e.failed };
    }
    return undefined;
  }

  /** Forgets apps that are no longer desired. */
  retain(apps: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!apps.has(key.slice(0, key.indexOf('\u0000')))) this.entries.delete(key);
  }
}
