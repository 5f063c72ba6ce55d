import { z } from 'zod';
import { SATS_PER_FLUX } from './units';

/**
 * Node tiers (FluxOS generalService.nodeTier; fluxd *_FLUXNODE_COLLAT_*). The one definition every
 * service, event schema and decider uses.
 */
export const Tier = z.enum(['CUMULUS', 'NIMBUS', 'STRATUS']);
export type Tier = z.infer<typeof Tier>;
export const TIERS: readonly Tier[] = Tier.options;

/** Flux names the tiers basic/super/bamf in spec keys (`cpubasic`, `ramsuper`, `hddbamf`; fluxos.md §1.4). */
export const TIER_KEY_SUFFIX: Readonly<Record<Tier, 'basic' | 'super' | 'bamf'>> = { CUMULUS: 'basic', NIMBUS: 'super', STRATUS: 'bamf' };

/** Current collateral amounts in FLUX, and the older ones still honoured. */
const COLLATERAL_FLUX: ReadonlyArray<readonly [number, Tier]> = [
  [1_000, 'CUMULUS'], [10_000, 'CUMULUS'],
  [12_500, 'NIMBUS'], [25_000, 'NIMBUS'],
  [40_000, 'STRATUS'], [100_000, 'STRATUS'],
];
const BY_SAT = new Map(COLLATERAL_FLUX.map(([flux, tier]) => [flux * SATS_PER_FLUX, tier]));

/** The tier a collateral of exactly this many satoshis makes; undefined for any other amount. */
export function tierFromCollateral(collateralSat: number): Tier | undefined {
  return BY_SAT.get(collateralSat);
}

export const isCollateralAmount = (sat: number): boolean => BY_SAT.has(sat);
