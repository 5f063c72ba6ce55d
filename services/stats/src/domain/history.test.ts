import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTIVITY_KINDS, type ActivityKind, type NetworkFigures, type StatsSample } from '@fluxplane/contracts';
import { figuresOf } from './figures';
import { downsample, fitHistory, groupsFromNewest, noActivity, tierHistory, withActivity, type ActivityPoint, type StoredSample } from './history';

const figures: NetworkFigures = figuresOf({ nodes: [], activeApps: 0, instances: [] });
const stored = (at: number, intervalMs = 1000): StoredSample => ({ at, intervalMs, figures });
const kindArb = fc.constantFrom(...ACTIVITY_KINDS);

describe('withActivity', () => {
  it("gives each sample the activity of its interval [at - interval, at), by the events' time", () => {
    const points: ActivityPoint[] = [
      { at: 999, kind: 'started', n: 1 }, // before the first interval
      { at: 1000, kind: 'started', n: 2 }, // the first instant of [1000, 2000)
      { at: 1999, kind: 'moved', n: 1 },
      { at: 2000, kind: 'failed', n: 1 }, // belongs to the sample at 3000
      { at: 3500, kind: 'masterChanges', n: 1 }, // after the last sample
    ];
    const out = withActivity([stored(2000), stored(3000)], points);
    expect(out.map((s) => s.activity)).toEqual([
      { ...noActivity(), started: 2, moved: 1 },
      { ...noActivity(), failed: 1 },
    ]);
    expect(out[0]).toMatchObject({ at: 2000, nodes: figures.nodes });
  });

  it('counts every point in the span of contiguous samples exactly once', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5000 }),
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 200_000 }), kind: kindArb, n: fc.integer({ min: 1, max: 3 }) }), { maxLength: 100 }),
      (count, interval, points) => {
        const samples = Array.from({ length: count }, (_, i) => stored((i + 1) * interval, interval));
        const out = withActivity(samples, points);
        for (const kind of ACTIVITY_KINDS) {
          const inSpan = points.filter((p) => p.kind === kind && p.at < count * interval).reduce((a, p) => a + p.n, 0);
          expect(out.reduce((a, s) => a + s.activity[kind], 0)).toBe(inSpan);
        }
      },
    ));
  });
});

const sampleArb = (n: number) => fc.array(fc.record(Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, fc.nat(5)])) as Record<ActivityKind, fc.Arbitrary<number>>), { minLength: n, maxLength: n })
  .map((acts) => acts.map((activity, i): StatsSample => ({ at: (i + 1) * 60_000, ...figures, activity })));

describe('downsample', () => {
  it('keeps a range that fits as it is', () => {
    const samples = withActivity([stored(1000), stored(2000)], []);
    expect(downsample(samples, 1000, 10)).toEqual({ intervalS: 1, samples });
  });

  it('merges k samples into one: the newest figures, the summed activity, k times the interval', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }).chain((n) => fc.tuple(sampleArb(n), fc.integer({ min: 1, max: 50 }))), ([samples, max]) => {
      const out = downsample(samples, 60_000, max);
      expect(out.samples.length).toBeLessThanOrEqual(max);
      const k = Math.max(1, Math.ceil(samples.length / max));
      expect(out.intervalS).toBe(60 * k);
      for (const kind of ACTIVITY_KINDS) {
        expect(out.samples.reduce((a, s) => a + s.activity[kind], 0)).toBe(samples.reduce((a, s) => a + s.activity[kind], 0));
      }
      const ats = out.samples.map((s) => s.at);
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      expect(ats.every((at) => samples.some((s) => s.at === at))).toBe(true);
      if (samples.length) expect(ats.at(-1)).toBe(samples.at(-1)!.at);
    }));
  });
});

describe('fitHistory', () => {
  it('answers fewer, wider samples when the asked number would not fit the byte budget', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }).chain((n) => sampleArb(n)), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 2_000, max: 200_000 }), (samples, max, budget) => {
      const out = fitHistory(samples, 60_000, max, budget);
      expect(out.samples.length).toBeLessThanOrEqual(max);
      if (out.samples.length > 1) expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(budget);
      expect(out.samples.at(-1)!.at).toBe(samples.at(-1)!.at);
      expect(out.samples.reduce((a, s) => a + s.activity.started, 0)).toBe(samples.reduce((a, s) => a + s.activity.started, 0));
    }), { numRuns: 50 });
    // What fits is answered as asked.
    const samples = withActivity([stored(1000), stored(2000)], []);
    expect(fitHistory(samples, 1000, 10, 1e6)).toEqual(downsample(samples, 1000, 10));
  });
});

describe('groupsFromNewest', () => {
  it('splits into groups of k ending with the newest, only the oldest group shorter', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 100 }), fc.integer({ min: 1, max: 20 }), (items, k) => {
      const groups = groupsFromNewest(items, k);
      expect(groups.flat()).toEqual(items);
      groups.slice(1).forEach((g) => expect(g.length).toBe(k));
      if (groups.length) expect(groups[0]!.length).toBeGreaterThan(0);
    }));
    expect(groupsFromNewest([1, 2, 3, 4, 5], 2)).toEqual([[1], [2, 3], [4, 5]]);
  });
});

describe('tierHistory', () => {
  it('answers at most maxEntries, the newest sample last, each the counts of a sample it kept', () => {
    const samples = Array.from({ length: 10 }, (_, i) => ({ at: i, byTier: { CUMULUS: i, NIMBUS: 2 * i, STRATUS: 0 } }));
    expect(tierHistory(samples, 4)).toEqual([
      { at: 0, CUMULUS: 0, NIMBUS: 0, STRATUS: 0 }, { at: 3, CUMULUS: 3, NIMBUS: 6, STRATUS: 0 },
      { at: 6, CUMULUS: 6, NIMBUS: 12, STRATUS: 0 }, { at: 9, CUMULUS: 9, NIMBUS: 18, STRATUS: 0 },
    ]);
    expect(tierHistory(samples, 100)).toHaveLength(10);
  });
});
