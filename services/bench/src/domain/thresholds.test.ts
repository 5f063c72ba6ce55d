import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideBenchmark, DEV_THRESHOLDS, qualifyingTier, TIERS, type Measurement } from './thresholds';

const smallVm: Measurement = { cores: 2, ramMb: 7900, eps: 900_000, diskWriteMbps: 800 };

describe('decideBenchmark', () => {
  it('passes a 2-core VM as CUMULUS with the dev thresholds', () => {
    expect(decideBenchmark(smallVm, 'CUMULUS', DEV_THRESHOLDS)).toEqual({ passed: true, tier: 'CUMULUS' });
  });

  it('fails a node registered above what it has, naming every shortfall and the tier it would fit', () => {
    const v = decideBenchmark(smallVm, 'NIMBUS', DEV_THRESHOLDS);
    expect(v.passed).toBe(false);
    expect(v.tier).toBe('CUMULUS');
    expect(v.reason).toBe('below NIMBUS minimums: cores 2 < 4, ram 7900 MB < 28000 MB');
  });

  it('fails with a null tier when not even CUMULUS fits', () => {
    const v = decideBenchmark({ cores: 1, ramMb: 1000, eps: 10, diskWriteMbps: 1 }, 'CUMULUS', DEV_THRESHOLDS);
    expect(v).toMatchObject({ passed: false, tier: null });
    expect(v.reason).toContain('eps 10 < 100000');
    expect(v.reason).toContain('disk write 1.0 MB/s < 20 MB/s');
  });

  it('passes a big machine for any tier', () => {
    const big = { cores: 16, ramMb: 64_000, eps: 5_000_000, diskWriteMbps: 1000 };
    for (const tier of TIERS) expect(decideBenchmark(big, tier, DEV_THRESHOLDS)).toEqual({ passed: true, tier });
  });

  it('uses the thresholds it is given', () => {
    const strict = { ...DEV_THRESHOLDS, CUMULUS: { ...DEV_THRESHOLDS.CUMULUS, minRamMb: 8000 } };
    expect(decideBenchmark(smallVm, 'CUMULUS', strict).passed).toBe(false);
  });

  it('is monotonic: more of everything never turns a pass into a fail', () => {
    const m = fc.record({ cores: fc.integer({ min: 1, max: 64 }), ramMb: fc.integer({ min: 0, max: 200_000 }), eps: fc.integer({ min: 0, max: 5_000_000 }), diskWriteMbps: fc.integer({ min: 0, max: 5000 }) });
    fc.assert(fc.property(m, m, fc.constantFrom(...TIERS), (a, b, tier) => {
      const more = { cores: Math.max(a.cores, b.cores), ramMb: Math.max(a.ramMb, b.ramMb), eps: Math.max(a.eps, b.eps), diskWriteMbps: Math.max(a.diskWriteMbps, b.diskWriteMbps) };
      if (decideBenchmark(a, tier, DEV_THRESHOLDS).passed) expect(decideBenchmark(more, tier, DEV_THRESHOLDS).passed).toBe(true);
      const q = qualifyingTier(a, DEV_THRESHOLDS);
      if (q) expect(TIERS.indexOf(qualifyingTier(more, DEV_THRESHOLDS)!)).toBeGreaterThanOrEqual(TIERS.indexOf(q));
    }));
  });
});
