import type { Tier } from '@fluxplane/contracts';

/** What a node measured of itself (its FluxBench `getbenchmarks`), in the units the thresholds use. */
export interface Measurement {
  cores: number;
  ramMb: number;
  /** total storage of the node's data disk, GB */
  storageGb: number;
  /** CPU events per second over all cores (the node's FluxBench `eps`) */
  eps: number;
  /** sequential write, fsynced, MB/s (FluxBench's `ddwrite`) */
  diskWriteMbps: number;
}

/** A tier's minimums. RAM and storage are nominal sizes (as machines are sold: "8 GB", "220 GB"). */
export interface TierThreshold {
  minCores: number;
  minRamGb: number;
  minStorageGb: number;
  minEps: number;
  minDiskWriteMbps: number;
}

export type Thresholds = Record<Tier, TierThreshold>;

/** Tiers from the smallest up; a node that meets a tier's minimums also qualifies for the ones below. */
export const TIERS: readonly Tier[] = ['CUMULUS', 'NIMBUS', 'STRATUS'];

/**
 * Share of a nominal size a machine must report. A VM sold with 8 GB reports about 7.6–7.8 GiB (the
 * kernel and firmware keep the rest) and a 220 GB disk a little less once formatted; comparing
 * nominal minimums with reported sizes exactly would fail every machine of exactly the minimum size.
 */
export const NOMINAL_FRACTION = 0.9;

/** Every minimum of the tier the measurement misses, in words. Empty = it qualifies. */
export function shortfalls(m: Measurement, t: TierThreshold): string[] {
  const out: string[] = [];
  if (m.cores < t.minCores) out.push(`cores ${m.cores} < ${t.minCores}`);
  if (m.ramMb < t.minRamGb * 1024 * NOMINAL_FRACTION) out.push(`ram ${m.ramMb} MB < ${t.minRamGb} GB`);
  if (m.storageGb < t.minStorageGb * NOMINAL_FRACTION) out.push(`storage ${m.storageGb.toFixed(1)} GB < ${t.minStorageGb} GB`);
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
 * FluxBench's decision, pure: a node passes when its measurement meets every minimum of the tier its
 * collateral registered it as. More than enough is fine; too little for the registered tier fails
 * (the reason lists what is missing), even if a smaller tier would fit.
 */
export function decideBenchmark(m: Measurement, registeredTier: Tier, thresholds: Thresholds): BenchVerdict {
  const missing = shortfalls(m, thresholds[registeredTier]);
  if (missing.length === 0) return { passed: true, tier: registeredTier };
  return { passed: false, tier: qualifyingTier(m, thresholds), reason: `below ${registeredTier} minimums: ${missing.join(', ')}`.slice(0, 500) };
}
