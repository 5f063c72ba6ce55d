import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { BenchConfig, thresholdsFrom } from './config';
import { DEVNET_PROFILE, FLUX_PROFILE } from './domain/tier-profiles';

describe('bench config', () => {
  it("starts from Flux's public minimums, or the devnet profile", () => {
    expect(thresholdsFrom(loadConfig(BenchConfig, {}))).toEqual(FLUX_PROFILE);
    expect(thresholdsFrom(loadConfig(BenchConfig, { BENCH_PROFILE: 'devnet' }))).toEqual(DEVNET_PROFILE);
  });

  it('overrides single values with BENCH_<TIER>_MIN_*', () => {
    const t = thresholdsFrom(loadConfig(BenchConfig, { BENCH_CUMULUS_MIN_EPS: '42', BENCH_STRATUS_MIN_DDWRITE: '999' }));
    expect(t.CUMULUS).toEqual({ ...FLUX_PROFILE.CUMULUS, minEps: 42 });
    expect(t.STRATUS.minDiskWriteMbps).toBe(999);
    expect(t.NIMBUS).toEqual(FLUX_PROFILE.NIMBUS);
  });

  it('names what is wrong', () => {
    expect(() => loadConfig(BenchConfig, { BENCH_PROFILE: 'mainnet' })).toThrow(/BENCH_PROFILE/);
    expect(() => loadConfig(BenchConfig, { BENCH_NIMBUS_MIN_CORES: '-1' })).toThrow(/BENCH_NIMBUS_MIN_CORES/);
    expect(() => loadConfig(BenchConfig, { BENCH_RETRY_MIN_MS: '10000', BENCH_RETRY_MAX_MS: '5000' })).toThrow(ConfigError);
    expect(() => loadConfig(BenchConfig, { BENCH_RETRY_MIN_MS: '10000', BENCH_RETRY_MAX_MS: '5000' })).toThrow(/BENCH_RETRY_MAX_MS: must not be below BENCH_RETRY_MIN_MS/);
  });
});
