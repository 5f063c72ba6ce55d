import { z } from 'zod';
import type { Tier } from '@fluxplane/contracts';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';
import { TIERS, type Thresholds, type TierThreshold } from './domain/thresholds';
import { PROFILES } from './domain/tier-profiles';
import type { BenchPolicy } from './domain/schedule';

const ms = (d: number) => envNumber(z.coerce.number().int().positive().default(d));
const minimum = envNumber(z.coerce.number().nonnegative()).optional();

const FIGURES = { CORES: 'minCores', RAM_GB: 'minRamGb', STORAGE_GB: 'minStorageGb', EPS: 'minEps', DDWRITE: 'minDiskWriteMbps' } as const satisfies Record<string, keyof TierThreshold>;
type Figure = keyof typeof FIGURES;

/** BENCH_<TIER>_MIN_{CORES,RAM_GB,STORAGE_GB,EPS,DDWRITE}: each overrides one value of the profile. */
const overrideVars = Object.fromEntries(TIERS.flatMap((tier) =>
  Object.keys(FIGURES).map((f) => [`BENCH_${tier}_MIN_${f}`, minimum]))) as Record<`BENCH_${Tier}_MIN_${Figure}`, typeof minimum>;

export const BenchConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16144),
  /** The tier minimums to start from (src/domain/tier-profiles.ts): Flux's public ones, or the devnet's. */
  BENCH_PROFILE: z.enum(['flux', 'devnet']).default('flux'),
  /** Safety-net sweep: nodes due a benchmark, retries of nodes that did not answer. */
  BENCH_SWEEP_INTERVAL_MS: ms(30_000),
  /** A node that passed is benchmarked again after this long. */
  BENCH_INTERVAL_MS: ms(6 * 3600_000),
  /** A node whose benchmark failed is benchmarked again after this long. */
  BENCH_RETRY_FAILED_MS: ms(600_000),
  /** A node that did not answer is asked again after this long, doubled per miss up to BENCH_RETRY_MAX_MS. */
  BENCH_RETRY_MIN_MS: ms(5_000),
  BENCH_RETRY_MAX_MS: ms(300_000),
  /** How long a node may take to measure itself and answer (its CPU and disk tests run first). */
  BENCH_NODE_TIMEOUT_MS: ms(30_000),
  ...overrideVars,
}).refine((c) => c.BENCH_RETRY_MAX_MS >= c.BENCH_RETRY_MIN_MS, { path: ['BENCH_RETRY_MAX_MS'], message: 'must not be below BENCH_RETRY_MIN_MS' });
export type BenchConfig = z.infer<typeof BenchConfig>;

/** The profile's thresholds with every BENCH_<TIER>_MIN_* override applied. */
export function thresholdsFrom(c: BenchConfig): Thresholds {
  const base = PROFILES[c.BENCH_PROFILE];
  const of = (tier: Tier): TierThreshold => {
    const t = { ...base[tier] };
    for (const [f, key] of Object.entries(FIGURES) as Array<[Figure, keyof TierThreshold]>) {
      const v = c[`BENCH_${tier}_MIN_${f}`];
      if (v !== undefined) t[key] = v;
    }
    return t;
  };
  return { CUMULUS: of('CUMULUS'), NIMBUS: of('NIMBUS'), STRATUS: of('STRATUS') };
}

export function policyFrom(c: BenchConfig): BenchPolicy {
  return { rebenchmarkMs: c.BENCH_INTERVAL_MS, retryFailedMs: c.BENCH_RETRY_FAILED_MS, retryMinMs: c.BENCH_RETRY_MIN_MS, retryMaxMs: c.BENCH_RETRY_MAX_MS };
}
