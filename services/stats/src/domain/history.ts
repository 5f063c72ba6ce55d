import { ACTIVITY_KINDS, type ActivityCounts, type ActivityKind, type NetworkFigures, type StatsHistory, type StatsSample, type TierHistoryEntry } from '@fluxplane/contracts';

/** A sample as stored: when, the interval it closes, the figures read then. */
export interface StoredSample {
  at: number;
  intervalMs: number;
  figures: NetworkFigures;
}

/** `n` activity events of one kind at one instant (Unix ms). */
export interface ActivityPoint {
  at: number;
  kind: ActivityKind;
  n: number;
}

export const noActivity = (): ActivityCounts => ({ started: 0, failed: 0, moved: 0, masterChanges: 0, masterElections: 0 });

/** First index of `sorted` whose value is ≥ x. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Each sample with the activity of its interval `[at - intervalMs, at)`, by the events' own time (so
 * an event consumed after the sample was taken still counts in its interval). Pure.
 */
export function withActivity(samples: readonly StoredSample[], points: readonly ActivityPoint[]): StatsSample[] {
  const perKind = new Map<ActivityKind, { at: number[]; prefix: number[] }>();
  for (const kind of ACTIVITY_KINDS) {
    const mine = points.filter((p) => p.kind === kind).sort((a, b) => a.at - b.at);
    const prefix = [0];
    for (const p of mine) prefix.push(prefix[prefix.length - 1]! + p.n);
    perKind.set(kind, { at: mine.map((p) => p.at), prefix });
  }
  return samples.map((s) => {
    const activity = noActivity();
    for (const kind of ACTIVITY_KINDS) {
      const { at, prefix } = perKind.get(kind)!;
      activity[kind] = prefix[lowerBound(at, s.at)]! - prefix[lowerBound(at, s.at - s.intervalMs)]!;
    }
    return { at: s.at, ...s.figures, activity };
  });
}

/**
 * Splits `items` (oldest first) into consecutive groups of `k` counted from the newest, so the last
 * group always ends with the newest item; the oldest group may be shorter. Pure.
 */
export function groupsFromNewest<T>(items: readonly T[], k: number): T[][] {
  const groups: T[][] = [];
  for (let end = items.length; end > 0; end -= k) groups.unshift(items.slice(Math.max(0, end - k), end));
  return groups;
}

/**
 * At most `maxSamples` samples over the same time: with more, every `k` consecutive samples become
 * one — the newest one's figures (a state is what it was at the end), the sum of their activity —
 * and `intervalS` grows `k` times. The total activity is unchanged. Pure.
 */
export function downsample(samples: readonly StatsSample[], intervalMs: number, maxSamples: number): StatsHistory {
  const k = Math.max(1, Math.ceil(samples.length / maxSamples));
  if (k === 1) return { intervalS: intervalMs / 1000, samples: [...samples] };
  const merged = groupsFromNewest(samples, k).map((group) => {
    const activity = noActivity();
    for (const s of group) for (const kind of ACTIVITY_KINDS) activity[kind] += s.activity[kind];
    return { ...group[group.length - 1]!, activity };
  });
  return { intervalS: (k * intervalMs) / 1000, samples: merged };
}

/**
 * `downsample` to at most `maxSamples`, and fewer if the answer's JSON would exceed `budgetBytes` (a
 * reply must fit in one NATS message; a sample of a large network, with many countries and versions,
 * is a few kB). Pure.
 */
export function fitHistory(samples: readonly StatsSample[], intervalMs: number, maxSamples: number, budgetBytes: number): StatsHistory {
  let max = maxSamples;
  for (;;) {
    const answer = downsample(samples, intervalMs, max);
    const bytes = Buffer.byteLength(JSON.stringify(answer));
    if (bytes <= budgetBytes || answer.samples.length <= 1) return answer;
    max = Math.max(1, Math.min(answer.samples.length - 1, Math.floor((answer.samples.length * budgetBytes) / bytes)));
  }
}

/** Confirmed nodes per tier, at most `maxEntries` of them (the newest of each group of samples). Pure. */
export function tierHistory(samples: ReadonlyArray<{ at: number; byTier: Omit<TierHistoryEntry, 'at'> }>, maxEntries: number): TierHistoryEntry[] {
  const k = Math.max(1, Math.ceil(samples.length / maxEntries));
  return groupsFromNewest(samples, k).map((g) => {
    const s = g[g.length - 1]!;
    return { at: s.at, CUMULUS: s.byTier.CUMULUS, NIMBUS: s.byTier.NIMBUS, STRATUS: s.byTier.STRATUS };
  });
}
