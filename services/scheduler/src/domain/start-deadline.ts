import type { AppRuntime } from '@fluxplane/flux-spec';

/**
 * Instances that were placed but never reported started: after `deadlineMs` the scheduler treats
 * them as a failed start (InstanceFailed with the reason), so they are placed elsewhere and the
 * node is not tried again for that spec — whatever kept them from starting (no agent behind the
 * node, an image that never pulls, a wedged agent).
 */
export interface PendingStart {
  nodeId: string;
  specHash: string;
  /** The stream position of the InstanceScheduled in force. */
  scheduledSeq: number;
  /** When this process first saw the placement waiting for its start (its own clock). */
  seenAt: number;
}

/**
 * Whether an instance is expected to report InstanceStarted. An agent reports an instance started
 * once every component runs, and a `g:` component runs only on its master: a standby never
 * reports, and must not be taken for a failed start. So for an app with `g:` components only the
 * node that is the current master of every one of them is expected to start.
 */
export function expectedToStart(runtime: Pick<AppRuntime, 'components'>, masters: ReadonlyMap<string, string>, nodeId: string): boolean {
  const g = runtime.components.filter((c) => c.data?.syncMode === 'g');
  return g.every((c) => masters.get(c.name.toLowerCase()) === nodeId);
}

/** The pending starts past their deadline, among those expected to start. Pure. */
export function overdueStarts<P extends PendingStart>(pending: readonly P[], now: number, deadlineMs: number, expected: (p: P) => boolean): P[] {
  return pending.filter((p) => now - p.seenAt >= deadlineMs && expected(p));
}

/** The earliest instant one of the pending starts becomes overdue; null when none is pending. */
export function nextDeadline(pending: readonly PendingStart[], deadlineMs: number): number | null {
  let at: number | null = null;
  for (const p of pending) at = Math.min(at ?? Infinity, p.seenAt + deadlineMs);
  return at;
}
