/** Satoshis in one FLUX (fluxd COIN). */
export const SATS_PER_FLUX = 100_000_000;
