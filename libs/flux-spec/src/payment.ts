/**
 * When a payment covers a price, decided with FluxOS's arithmetic.
 *
 * FluxOS accepts a register/update payment when `valueSat >= price * 1e8`, computed in JavaScript
 * doubles on the price in FLUX (explorer/`checkAndRequestApp`, fluxos.md §2 "Price"). The product is
 * not rounded, so for some prices it lands just above the whole satoshi amount: 0.67 * 1e8 is
 * 67000000.00000001, and 67,000,000 sat is refused while 67,000,001 sat passes. Rounding the
 * requirement (as a careful implementation would) accepts payments FluxOS refuses; here the
 * comparison is FluxOS's, literally.
 */
import { SATS_PER_FLUX } from './protocol';

/** FluxOS's acceptance test: `valueSat >= price * 1e8`, in doubles, unrounded. */
export function paymentCoversPrice(valueSat: number, priceFlux: number): boolean {
  return valueSat >= priceFlux * SATS_PER_FLUX;
}

/**
 * The smallest whole number of satoshis FluxOS accepts for `priceFlux`: the ceiling of the same
 * double product (an integer n passes `n >= x` exactly when n >= ceil(x); integers are exact in
 * doubles far beyond any FLUX amount).
 */
export function minimumAcceptedSat(priceFlux: number): number {
  return Math.ceil(priceFlux * SATS_PER_FLUX);
}

/**
 * The amount to quote in FLUX for `priceFlux`: the smallest accepted satoshi amount, in FLUX (0.67 →
 * 0.67000001). A client converting it back with `Math.round(flux * 1e8)` gets that satoshi amount.
 */
export function minimumAcceptedFlux(priceFlux: number): number {
  return minimumAcceptedSat(priceFlux) / SATS_PER_FLUX;
}
