/**
 * When to sample. Samples are taken at multiples of the interval (Unix ms), so every replica and
 * every restart agrees on the instants and a sample is stored once per instant.
 */

/** The latest sample instant at or before `now`. */
export function sampleInstant(now: number, intervalMs: number): number {
  return Math.floor(now / intervalMs) * intervalMs;
}

/**
 * The instants due at `now` after the last stored one, oldest first. A late timer (a busy event loop)
 * catches up the instants it missed, up to `maxCatchUp`; after a longer gap (the service was down:
 * the network's state then is not known) only the current instant is taken. Pure.
 */
export function dueInstants(lastAt: number | null, now: number, intervalMs: number, maxCatchUp: number): number[] {
  const current = sampleInstant(now, intervalMs);
  if (lastAt === null) return [current];
  // Nothing new, or the clock went back: never a sample before the last one.
  if (lastAt >= current) return [];
  const missed = (current - lastAt) / intervalMs;
  if (missed > maxCatchUp) return [current];
  const due: number[] = [];
  for (let t = sampleInstant(lastAt, intervalMs) + intervalMs; t <= current; t += intervalMs) due.push(t);
  return due;
}

/** Samples and activity older than this instant are pruned. */
export function retentionCutoff(now: number, retentionDays: number): number {
  return now - Math.round(retentionDays * 86_400_000);
}

/** The default range of a history query: the last hour up to now. */
export const DEFAULT_RANGE_MS = 3_600_000;

export function rangeOf(q: { from?: number; to?: number }, now: number): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? Math.max(0, to - DEFAULT_RANGE_MS);
  return { from, to };
}
