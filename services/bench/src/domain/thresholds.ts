import type { Tier } from '@fluxplane/contracts';

/** What the bench measured on a machine. */
export interface Measurement {
  cores: number;
  ramMb: number;
  /** CPU throughput: sha256 of 1 KiB blocks per second on one core, times the core count. */
  eps: number;
  /** Sequential write of a file, fsynced, in MB/s. */
  diskWriteMbps: number;
}

export interface TierThreshold {
  minCores: number;
  minRamMb: number;
  minEps: number;
  minDiskWriteMbps: number;
}

export type Thresholds = Record<Tier, TierThreshold>;

/** Tiers from the smallest up; a node that meets a tier's minimums also qualifies for the ones below. */
export const TIERS: readonly Tier[] = ['CUMULUS', 'NIMBUS', 'STRATUS'];

/**
 * Development defaults, chosen so that a small 2-core VM passes as CUMULUS and nothing larger is
 * claimed without the cores and RAM to back it. Flux's real minimums (fluxme.io: 2c/8 GB, 4c/32 GB,
 * 8c/64 GB; EPS and disk-write thresholds live in the closed FluxBench, fluxos.md §5) use a different
 * CPU unit (sysbench events/s), so operators set production values through BENCH_* variables.
 */
export const DEV_THRESHOLDS: Thresholds = {
  CUMULUS: { minCores: 2, minRamMb: 3000, minEps: 100_000, minDiskWriteMbps: 20 },
  NIMBUS: { minCores: 4, minRamMb: 28_000, minEps: 400_000, minDiskWriteMbps: 100 },
  STRATUS: { minCores: 8, minRamMb: 58_000, minEps: 1_600_000, minDiskWriteMbps: 200 },
};

/** Every minimum of the tier the measurement misses, in words. Empty = it qualifies. */
export function shortfalls(m: Measurement, t: TierThreshold): string[] {
  const out: string[] = [];
  if (m.cores < t.minCores) out.push(`cores ${m.cores} < ${t.minCores}`);
  if (m.ramMb < t.minRamMb) out.push(`ram ${m.ramMb} MB < ${t.minRamMb} MB`);
  if (m.eps < t.minEps) out.push(`eps ${Math.round(m.eps)} < ${t.minEps}`);
  if (m.diskWriteMbps < t.minDiskWriteMbps) out.push(`disk write ${m.diskWriteMbps.toFixed(1)} MB/s < ${t.minDiskWriteMbps} MB/s`);
  return out;
}

/** The largest tier the measurement qualifies for, or null. */
export function qualifyingTier(m: Measurement, thresholds: Thresholds): Tier | null {
  let best: Tier | null = null;
  for (const tier of TIERS) if (shortfalls(m, thresholds[tier]).length === 0) best = tier;
  return best;
}

export interface BenchVerdict {
  passed: boolean;
  /** The node's tier when it passed; otherwise the largest tier it would qualify for (or null). */
  tier: Tier | null;
  reason?: string;
}

/**
 * FluxBench's decision, pure: a node passes when the machine meets every minimum of the tier its
 * collateral registered it as. More than enough is fine; too little for the registered tier fails
 * (the reason lists what is missing), even if a smaller tier would fit.
 */
export function decideBenchmark(m: Measurement, registeredTier: Tier, thresholds: Thresholds): BenchVerdict {
  const missing = shortfalls(m, thresholds[registeredTier]);
  if (missing.length === 0) return { passed: true, tier: registeredTier };
  return { passed: false, tier: qualifyingTier(m, thresholds), reason: `below ${registeredTier} minimums: ${missing.join(', ')}`.slice(0, 500) };
}
