/** Node tiers and the collateral that makes each (FluxOS generalService.nodeTier; fluxd *_FLUXNODE_COLLAT_*). */
export type NodeTier = 'CUMULUS' | 'NIMBUS' | 'STRATUS';

export const SATS_PER_FLUX = 100_000_000;

/** Current collateral amounts in FLUX, and the older ones still honoured. */
const COLLATERAL_FLUX: ReadonlyArray<readonly [number, NodeTier]> = [
  [1_000, 'CUMULUS'], [10_000, 'CUMULUS'],
  [12_500, 'NIMBUS'], [25_000, 'NIMBUS'],
  [40_000, 'STRATUS'], [100_000, 'STRATUS'],
];
const BY_SAT = new Map(COLLATERAL_FLUX.map(([flux, tier]) => [flux * SATS_PER_FLUX, tier]));

/** The tier a collateral of exactly this many satoshis makes; undefined for any other amount. */
export function tierFromCollateral(collateralSat: number): NodeTier | undefined {
  return BY_SAT.get(collateralSat);
}

export const isCollateralAmount = (sat: number): boolean => BY_SAT.has(sat);
