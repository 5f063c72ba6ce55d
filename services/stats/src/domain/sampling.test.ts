import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_RANGE_MS, dueInstants, rangeOf, retentionCutoff, sampleInstant } from './sampling';

describe('sample instants', () => {
  it('samples at the current multiple of the interval, catches up a few missed ones, skips a long gap', () => {
    expect(dueInstants(null, 12_345, 1000, 10)).toEqual([12_000]);
    expect(dueInstants(12_000, 12_999, 1000, 10)).toEqual([]);
    expect(dueInstants(12_000, 15_001, 1000, 10)).toEqual([13_000, 14_000, 15_000]);
    expect(dueInstants(12_000, 120_000, 1000, 10)).toEqual([120_000]);
    // the clock went back: nothing before the last sample
    expect(dueInstants(20_000, 15_000, 1000, 10)).toEqual([]);
  });

  it('answers multiples of the interval after the last sample, up to now, the current one last', () => {
    fc.assert(fc.property(
      fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: null }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 20 }),
      (last, now, interval, maxCatchUp) => {
        const lastAt = last === null ? null : sampleInstant(last, interval);
        const due = dueInstants(lastAt, now, interval, maxCatchUp);
        for (const t of due) {
          expect(t % interval).toBe(0);
          expect(t).toBeLessThanOrEqual(now);
          if (lastAt !== null) expect(t).toBeGreaterThan(lastAt);
        }
        expect(due).toEqual([...due].sort((a, b) => a - b));
        expect(due.length).toBeLessThanOrEqual(maxCatchUp);
        if (lastAt === null || lastAt < sampleInstant(now, interval)) expect(due.at(-1)).toBe(sampleInstant(now, interval));
        else expect(due).toEqual([]);
      },
    ));
  });

  it('keeps retention days of history and defaults a query to the last hour', () => {
    expect(retentionCutoff(100 * 86_400_000, 35)).toBe(65 * 86_400_000);
    expect(retentionCutoff(86_400_000, 0.5)).toBe(43_200_000);
    expect(rangeOf({}, 10_000_000)).toEqual({ from: 10_000_000 - DEFAULT_RANGE_MS, to: 10_000_000 });
    expect(rangeOf({ to: 5_000_000 }, 10_000_000)).toEqual({ from: 5_000_000 - DEFAULT_RANGE_MS, to: 5_000_000 });
    expect(rangeOf({ from: 1, to: 2 }, 10_000_000)).toEqual({ from: 1, to: 2 });
    expect(rangeOf({}, 1000)).toEqual({ from: 0, to: 1000 });
  });
});
