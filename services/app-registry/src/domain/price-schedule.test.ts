import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLUX_PRICE_SCHEDULE, priceEntryAt, registrationAmount, exampleSpec, formatSpec, type FluxAppSpec } from '@fluxplane/flux-spec';
import { mergePriceSchedule, type ChainPriceEntry } from './price-schedule';

const OFFSET = 2_200_000;
const fork = (height: number, cpu: number, txid = `tx${height}-${cpu}`): ChainPriceEntry =>
  ({ txid, height, cpu, ram: 0.01, hdd: 0.004, minPrice: 0.01, port: 0.4, scope: 0.8, staticip: 0.4 });

describe('mergePriceSchedule', () => {
  it('is the configured schedule when the chain has no price soft fork', () => {
    expect(mergePriceSchedule(FLUX_PRICE_SCHEDULE, [], OFFSET)).toEqual(FLUX_PRICE_SCHEDULE);
  });

  it('applies a chain entry from the block after its own, at rules heights', () => {
    const merged = mergePriceSchedule(FLUX_PRICE_SCHEDULE, [fork(10, 0.3)], OFFSET);
    expect(merged.at(-1)).toMatchObject({ height: OFFSET + 10, cpu: 0.3, txid: 'tx10-0.3', chainHeight: 10 });
    expect(priceEntryAt(OFFSET + 10, merged).cpu).toBe(0.03);
    expect(priceEntryAt(OFFSET + 11, merged).cpu).toBe(0.3);
    const spec = formatSpec({ ...exampleSpec(8), instances: 3 }) as unknown as FluxAppSpec;
    expect(registrationAmount(spec, OFFSET + 11, merged)).toBeGreaterThan(registrationAmount(spec, OFFSET + 10, merged));
  });

  it('keeps configured entries first and chain entries in chain order at equal heights', () => {
    const base = [{ ...FLUX_PRICE_SCHEDULE[0]!, height: 5 }];
    const merged = mergePriceSchedule(base, [fork(5, 1, 'a'), fork(5, 2, 'b')], 0);
    expect(merged.map((e) => e.cpu)).toEqual([base[0]!.cpu, 1, 2]);
    expect(priceEntryAt(6, merged).cpu).toBe(2);
  });

  it('property: the entry in force at a rules height is the last chain entry below it, else the configured one', () => {
    const forks = fc.array(fc.record({ height: fc.integer({ min: 0, max: 1000 }), cpu: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 20 })
      .map((xs) => xs.sort((a, b) => a.height - b.height).map((x, i) => fork(x.height, x.cpu / 100, `t${i}`)));
    fc.assert(fc.property(forks, fc.integer({ min: 0, max: 1100 }), (chain, h) => {
      const merged = mergePriceSchedule(FLUX_PRICE_SCHEDULE, chain, OFFSET);
      const below = chain.filter((c) => c.height < h);
      const expected = below.length ? below[below.length - 1]!.cpu : priceEntryAt(OFFSET + h).cpu;
      expect(priceEntryAt(OFFSET + h, merged).cpu).toBe(expected);
    }));
  });
});
