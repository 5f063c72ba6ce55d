// Tier by collateral is a Flux rule: it lives in libs/flux-spec, shared with the devchain.
export { tierFromCollateral, isCollateralAmount, SATS_PER_FLUX, type NodeTier } from '@fluxplane/flux-spec';
