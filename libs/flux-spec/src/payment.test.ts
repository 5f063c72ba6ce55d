import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minimumAcceptedFlux, minimumAcceptedSat, paymentCoversPrice } from './payment';

/** Prices as FluxOS produces them (`Math.ceil(x * 100) / 100`: whole cents of FLUX), up to 100k FLUX. */
const cents = fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100);
/** Any positive price, for the properties that hold whatever the price's shape. */
const anyPrice = fc.double({ min: 1e-8, max: 1e5, noNaN: true, noDefaultInfinity: true });

describe('payment acceptance (FluxOS: valueSat >= price * 1e8, in doubles)', () => {
  it('0.67 FLUX needs 67,000,001 sat: 0.67 * 1e8 is 67000000.00000001', () => {
    expect(paymentCoversPrice(67_000_000, 0.67)).toBe(false);
    expect(paymentCoversPrice(67_000_001, 0.67)).toBe(true);
    expect(minimumAcceptedSat(0.67)).toBe(67_000_001);
    expect(minimumAcceptedFlux(0.67)).toBe(0.67000001);
  });

  it('prices whose product lands just below the whole amount need no extra satoshi', () => {
    // 0.29 * 1e8 is 28999999.999999996.
    expect(minimumAcceptedSat(0.29)).toBe(29_000_000);
    expect(paymentCoversPrice(28_999_999, 0.29)).toBe(false);
    expect(minimumAcceptedSat(0.01)).toBe(1_000_000);
  });

  it('property: the minimum accepted amount passes and one satoshi less does not', () => {
    fc.assert(fc.property(fc.oneof(cents, anyPrice), (price) => {
      const min = minimumAcceptedSat(price);
      expect(paymentCoversPrice(min, price)).toBe(true);
      expect(paymentCoversPrice(min - 1, price)).toBe(false);
    }));
  });

  it('property: around the price, acceptance is exactly "at least the minimum"', () => {
    fc.assert(fc.property(cents, fc.integer({ min: -3, max: 3 }), (price, delta) => {
      const sat = Math.round(price * 1e8) + delta;
      expect(paymentCoversPrice(sat, price)).toBe(sat >= minimumAcceptedSat(price));
    }));
  });

  it('property: the minimum is the rounded amount or one satoshi more, never less', () => {
    fc.assert(fc.property(cents, (price) => {
      expect(minimumAcceptedSat(price) - Math.round(price * 1e8)).toBeGreaterThanOrEqual(0);
      expect(minimumAcceptedSat(price) - Math.round(price * 1e8)).toBeLessThanOrEqual(1);
    }));
  });

  it('property: the quoted FLUX amount converts back to the minimum satoshi amount', () => {
    fc.assert(fc.property(fc.oneof(cents, anyPrice), (price) => {
      expect(Math.round(minimumAcceptedFlux(price) * 1e8)).toBe(minimumAcceptedSat(price));
      expect(paymentCoversPrice(Math.round(minimumAcceptedFlux(price) * 1e8), price)).toBe(true);
    }));
  });
});
