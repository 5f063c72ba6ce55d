import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isCollateralAmount, SATS_PER_FLUX, tierFromCollateral } from './index';

describe('tier by collateral', () => {
  it('maps the current and the old collateral amounts', () => {
    expect([1_000, 10_000, 12_500, 25_000, 40_000, 100_000].map((f) => tierFromCollateral(f * SATS_PER_FLUX)))
      .toEqual(['CUMULUS', 'CUMULUS', 'NIMBUS', 'NIMBUS', 'STRATUS', 'STRATUS']);
  });

  it('gives no tier to any other amount', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 200_000 * SATS_PER_FLUX }), (sat) => {
      const known = [1_000, 10_000, 12_500, 25_000, 40_000, 100_000].map((f) => f * SATS_PER_FLUX).includes(sat);
      expect(isCollateralAmount(sat)).toBe(known);
      expect(tierFromCollateral(sat) !== undefined).toBe(known);
    }));
  });
});
