import type { Thresholds } from './thresholds';

/*
 * The tier minimums, as data. Flux's own EPS and disk-write thresholds live only in the closed
 * FluxBench (fluxos.md §5), so the CPU and disk minimums here are ours, in our units: EPS is a
 * sysbench-like prime count (events of max-prime 10000 per second, all cores; a 2-core 2020s VM makes
 * about 5000–6000), ddwrite is MB/s of an fsynced sequential write. Every value can be overridden
 * with BENCH_<TIER>_MIN_* (src/config.ts).
 */

/**
 * Flux's documented public minimums for cores, RAM and storage (fluxme.io: Cumulus 2 cores / 8 GB /
 * 220 GB, Nimbus 4 / 32 / 440, Stratus 8 / 64 / 880), with CPU and disk minimums of our own.
 */
export const FLUX_PROFILE: Thresholds = {
  CUMULUS: { minCores: 2, minRamGb: 8, minStorageGb: 220, minEps: 1500, minDiskWriteMbps: 180 },
  NIMBUS: { minCores: 4, minRamGb: 32, minStorageGb: 440, minEps: 3000, minDiskWriteMbps: 250 },
  STRATUS: { minCores: 8, minRamGb: 64, minStorageGb: 880, minEps: 6000, minDiskWriteMbps: 400 },
};

/**
 * The devnet's: a small 2-core VM passes as CUMULUS, and nothing larger is claimed without the cores
 * and RAM to back it. The devnet's three nodes share one machine (this one has 2 cores): each reports
 * the whole machine, and the bench service measures them one at a time so they do not slow each
 * other down, but the CPU and disk minimums stay low because other work shares the machine too.
 */
export const DEVNET_PROFILE: Thresholds = {
  CUMULUS: { minCores: 2, minRamGb: 3, minStorageGb: 10, minEps: 300, minDiskWriteMbps: 20 },
  NIMBUS: { minCores: 4, minRamGb: 28, minStorageGb: 40, minEps: 1200, minDiskWriteMbps: 100 },
  STRATUS: { minCores: 8, minRamGb: 58, minStorageGb: 80, minEps: 2400, minDiskWriteMbps: 200 },
};

export const PROFILES = { flux: FLUX_PROFILE, devnet: DEVNET_PROFILE } as const;
export type ProfileName = keyof typeof PROFILES;
