import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { benchmarkDue, retryDelayMs, type BenchPolicy } from './schedule';

const policy: BenchPolicy = { rebenchmarkMs: 6 * 3600_000, retryFailedMs: 600_000, retryMinMs: 5000, retryMaxMs: 300_000 };

describe('benchmarkDue', () => {
  it('is due for a node never benchmarked', () => {
    expect(benchmarkDue(null, 0, policy)).toBe(true);
  });

  it('re-benchmarks a passed node after the interval, a failed one after the retry delay', () => {
    const at = 1_000_000;
    expect(benchmarkDue({ passed: true, at }, at + policy.rebenchmarkMs - 1, policy)).toBe(false);
    expect(benchmarkDue({ passed: true, at }, at + policy.rebenchmarkMs, policy)).toBe(true);
    expect(benchmarkDue({ passed: false, at }, at + policy.retryFailedMs - 1, policy)).toBe(false);
    expect(benchmarkDue({ passed: false, at }, at + policy.retryFailedMs, policy)).toBe(true);
  });

  it('once due, stays due as time goes on', () => {
    fc.assert(fc.property(fc.boolean(), fc.nat(1e9), fc.nat(1e9), fc.nat(1e9), (passed, at, d1, d2) => {
      if (benchmarkDue({ passed, at }, at + d1, policy)) expect(benchmarkDue({ passed, at }, at + d1 + d2, policy)).toBe(true);
    }));
  });
});

describe('retryDelayMs', () => {
  it('doubles from the minimum per miss, up to the maximum', () => {
    expect([1, 2, 3, 4, 10, 1000].map((n) => retryDelayMs(n, policy))).toEqual([5000, 10_000, 20_000, 40_000, 300_000, 300_000]);
  });

  it('never waits less than the minimum nor more than the maximum, and never less after another miss', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
      const d = retryDelayMs(n, policy);
      expect(d).toBeGreaterThanOrEqual(policy.retryMinMs);
      expect(d).toBeLessThanOrEqual(policy.retryMaxMs);
      expect(retryDelayMs(n + 1, policy)).toBeGreaterThanOrEqual(d);
    }));
  });
});
