import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideBenchmark, NOMINAL_FRACTION, qualifyingTier, shortfalls, TIERS, type Measurement, type Thresholds } from './thresholds';
import { DEVNET_PROFILE, FLUX_PROFILE, PROFILES } from './tier-profiles';

/** This machine as its node-agent measures it: 2 cores, ~24 GB, a 270 GB disk. */
const devMachine: Measurement = { cores: 2, ramMb: 24_100, storageGb: 270, eps: 5800, diskWriteMbps: 900 };
/** A VM sold as the Cumulus minimum (2 cores, 8 GB, 220 GB) reports a little less. */
const cumulusVm: Measurement = { cores: 2, ramMb: 7_790, storageGb: 216, eps: 5000, diskWriteMbps: 400 };

const measurement = fc.record({
  cores: fc.integer({ min: 1, max: 64 }),
  ramMb: fc.integer({ min: 0, max: 300_000 }),
  storageGb: fc.integer({ min: 0, max: 4000 }),
  eps: fc.integer({ min: 0, max: 100_000 }),
  diskWriteMbps: fc.integer({ min: 0, max: 5000 }),
});
const profile = fc.constantFrom<Thresholds>(...Object.values(PROFILES));

describe('decideBenchmark', () => {
  it('passes a VM of exactly the public Cumulus minimums with the Flux profile (nominal sizes, reported a little smaller)', () => {
    expect(decideBenchmark(cumulusVm, 'CUMULUS', FLUX_PROFILE)).toEqual({ passed: true, tier: 'CUMULUS' });
  });

  it('passes this 2-core machine as CUMULUS with the devnet profile, and nothing larger', () => {
    expect(decideBenchmark(devMachine, 'CUMULUS', DEVNET_PROFILE)).toEqual({ passed: true, tier: 'CUMULUS' });
    expect(decideBenchmark(devMachine, 'NIMBUS', DEVNET_PROFILE)).toEqual({ passed: false, tier: 'CUMULUS', reason: 'below NIMBUS minimums: cores 2 < 4, ram 24100 MB < 28 GB' });
  });

  it('fails a node registered above what it has, naming every shortfall and the tier it would fit', () => {
    const v = decideBenchmark(cumulusVm, 'STRATUS', FLUX_PROFILE);
    expect(v.passed).toBe(false);
    expect(v.tier).toBe('CUMULUS');
    // 400 MB/s meets Stratus's 400: only what is missing is named.
    expect(v.reason).toBe('below STRATUS minimums: cores 2 < 8, ram 7790 MB < 64 GB, storage 216.0 GB < 880 GB, eps 5000 < 6000');
  });

  it('fails with a null tier when not even CUMULUS fits, naming the CPU and disk figures', () => {
    const v = decideBenchmark({ cores: 2, ramMb: 8000, storageGb: 300, eps: 10, diskWriteMbps: 1 }, 'CUMULUS', FLUX_PROFILE);
    expect(v).toMatchObject({ passed: false, tier: null });
    expect(v.reason).toContain('eps 10 < 1500');
    expect(v.reason).toContain('disk write 1.0 MB/s < 180 MB/s');
  });

  it('passes a big machine for any tier of either profile', () => {
    const big = { cores: 16, ramMb: 128_000, storageGb: 2000, eps: 50_000, diskWriteMbps: 2000 };
    for (const p of Object.values(PROFILES)) for (const tier of TIERS) expect(decideBenchmark(big, tier, p)).toEqual({ passed: true, tier });
  });

  it('passes exactly when there is no shortfall, and a failure always says why', () => {
    fc.assert(fc.property(measurement, profile, fc.constantFrom(...TIERS), (m, p, tier) => {
      const v = decideBenchmark(m, tier, p);
      expect(v.passed).toBe(shortfalls(m, p[tier]).length === 0);
      if (v.passed) expect(v.tier).toBe(tier);
      else expect(v.reason).toMatch(new RegExp(`^below ${tier} minimums: .+`));
    }));
  });

  it('is monotonic: more of everything never turns a pass into a fail nor lowers the qualifying tier', () => {
    fc.assert(fc.property(measurement, measurement, profile, fc.constantFrom(...TIERS), (a, b, p, tier) => {
      const more = { cores: Math.max(a.cores, b.cores), ramMb: Math.max(a.ramMb, b.ramMb), storageGb: Math.max(a.storageGb, b.storageGb), eps: Math.max(a.eps, b.eps), diskWriteMbps: Math.max(a.diskWriteMbps, b.diskWriteMbps) };
      if (decideBenchmark(a, tier, p).passed) expect(decideBenchmark(more, tier, p).passed).toBe(true);
      const q = qualifyingTier(a, p);
      if (q) expect(TIERS.indexOf(qualifyingTier(more, p)!)).toBeGreaterThanOrEqual(TIERS.indexOf(q));
    }));
  });

  it('keeps each profile ordered: every tier asks at least what the one below asks', () => {
    for (const p of Object.values(PROFILES)) {
      for (let i = 1; i < TIERS.length; i++) {
        const lo = p[TIERS[i - 1]!];
        const hi = p[TIERS[i]!];
        for (const k of Object.keys(lo) as Array<keyof typeof lo>) expect(hi[k]).toBeGreaterThanOrEqual(lo[k]);
      }
    }
  });

  it('reads RAM and storage minimums as nominal sizes', () => {
    const t = { minCores: 1, minRamGb: 8, minStorageGb: 100, minEps: 0, minDiskWriteMbps: 0 };
    expect(shortfalls({ cores: 1, ramMb: Math.ceil(8 * 1024 * NOMINAL_FRACTION), storageGb: 100 * NOMINAL_FRACTION, eps: 0, diskWriteMbps: 0 }, t)).toEqual([]);
    expect(shortfalls({ cores: 1, ramMb: Math.floor(8 * 1024 * NOMINAL_FRACTION) - 1, storageGb: 89, eps: 0, diskWriteMbps: 0 }, t)).toEqual(['ram 7371 MB < 8 GB', 'storage 89.0 GB < 100 GB']);
  });
});
