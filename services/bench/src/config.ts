import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import type { Tier } from '@fluxplane/contracts';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';
import { DEV_THRESHOLDS, TIERS, type Thresholds } from './domain/thresholds';

const positive = (d: number) => envNumber(z.coerce.number().nonnegative().default(d));

/** BENCH_<TIER>_MIN_{CORES,RAM_MB,EPS,DISK_MBPS}, defaulting to the dev thresholds. */
const thresholdVars = Object.fromEntries(TIERS.flatMap((tier) => {
  const t = DEV_THRESHOLDS[tier];
  return [
    [`BENCH_${tier}_MIN_CORES`, positive(t.minCores)],
    [`BENCH_${tier}_MIN_RAM_MB`, positive(t.minRamMb)],
    [`BENCH_${tier}_MIN_EPS`, positive(t.minEps)],
    [`BENCH_${tier}_MIN_DISK_MBPS`, positive(t.minDiskWriteMbps)],
  ];
})) as Record<`BENCH_${Tier}_MIN_${'CORES' | 'RAM_MB' | 'EPS' | 'DISK_MBPS'}`, ReturnType<typeof positive>>;

export const BenchConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16144),
  /** Duration of the CPU test. */
  BENCH_CPU_MS: envNumber(z.coerce.number().int().min(10).max(10_000).default(200)),
  /** Size of the disk write test. */
  BENCH_DISK_MB: envNumber(z.coerce.number().int().min(1).max(1024).default(16)),
  /** Parent directory of the disk test's temporary directory (default: the OS temp dir). */
  // Checked at start: a missing or read-only directory fails every disk test, so no node would ever
  // be benchmarked (and none scheduled) while the service looked healthy.
  BENCH_DIR: z.string().min(1).refine(isWritableDir, 'must be an existing, writable directory').optional(),
  /** Safety-net sweep for registered nodes still without a benchmark. */
  BENCH_SWEEP_INTERVAL_MS: envNumber(z.coerce.number().int().positive().default(30_000)),
  /** A node whose benchmark failed is measured again after this long. */
  BENCH_RETRY_FAILED_MS: envNumber(z.coerce.number().int().positive().default(600_000)),
  BENCH_VERSION: z.string().min(1).max(40).default('fluxplane-bench/1'),
  ...thresholdVars,
});
export type BenchConfig = z.infer<typeof BenchConfig>;

function isWritableDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function thresholdsFrom(c: BenchConfig): Thresholds {
  const of = (tier: Tier) => ({
    minCores: c[`BENCH_${tier}_MIN_CORES`],
    minRamMb: c[`BENCH_${tier}_MIN_RAM_MB`],
    minEps: c[`BENCH_${tier}_MIN_EPS`],
    minDiskWriteMbps: c[`BENCH_${tier}_MIN_DISK_MBPS`],
  });
  return { CUMULUS: of('CUMULUS'), NIMBUS: of('NIMBUS'), STRATUS: of('STRATUS') };
}
