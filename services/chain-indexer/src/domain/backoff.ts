/**
 * Retry delays for a failing fluxd (down, stalling, answering garbage): exponential from `initialMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so several indexers restarted
 * together do not hammer a recovering node in step, while a retry never comes sooner than half the
 * nominal delay.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export function backoffMs(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const nominal = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
