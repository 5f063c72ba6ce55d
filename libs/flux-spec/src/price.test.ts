import { describe, expect, it } from 'vitest';
import { exampleSpec } from './examples';
import { formatSpec } from './format';
import { appPricePerMonth, FLUX_PRICE_SCHEDULE, priceEntryAt, registrationAmount, updateAmount } from './price';

const spec = (v: number, patch: Record<string, unknown> = {}) => formatSpec({ ...exampleSpec(v), ...patch });

describe('price', () => {
  it('picks the last schedule entry strictly below the height', () => {
    expect(priceEntryAt(1_597_156).cpu).toBe(0.15);
    expect(priceEntryAt(1_597_157).cpu).toBe(0.03);
  });

  it('v4+: resources priced per 3 instances', () => {
    // 0.5 core, 500 MB, 5 GB at the current schedule: 0.15 + 0.05 + 0.02 = 0.22 → /3 → 0.08 (ceil).
    expect(appPricePerMonth(spec(8), 1_800_000)).toBe(0.08);
  });

  it('from height 1890000, extra instances cost 0.5 each when the base is under 0.5', () => {
    expect(appPricePerMonth(spec(8, { instances: 4 }), 1_890_000)).toBe(0.08 + 3 * 0.5);
    expect(appPricePerMonth(spec(8), 1_890_000)).toBe(0.24);
    expect(appPricePerMonth(spec(8, { instances: 3 }), 1_889_999)).toBe(0.08);
  });

  it('from height 1890000, a large app is multiplied by instances', () => {
    const big = spec(8);
    big.compose![0]!.cpu = 10;
    big.compose![0]!.ram = 20000;
    big.compose![0]!.hdd = 200;
    // 3 + 2 + 0.8 = 5.8 → /3 = 1.94 (ceil) → + 2 × 1.94.
    expect(appPricePerMonth(big, 1_890_000)).toBeCloseTo(5.82, 10);
  });

  it('adds scope, static IP and enterprise-port surcharges', () => {
    const s = spec(7, { staticip: true, nodes: ['1.2.3.4'] });
    s.compose![0]!.ports = [443];
    // 0.22 + 0.8 + 0.4 + 0.4 = 1.82 → /3 → 0.61; height below the per-instance multiplier.
    expect(appPricePerMonth(s, 1_800_000)).toBe(0.61);
  });

  it('v1-3 prices the flat resources and floors at minPrice', () => {
    expect(appPricePerMonth(spec(2), 1_800_000)).toBe(0.22);
    expect(appPricePerMonth(spec(2, { cpu: 0.1, ram: 100, hdd: 1 }), 1_800_000)).toBe(0.05);
    expect(appPricePerMonth(spec(2), 1_000_000, FLUX_PRICE_SCHEDULE)).toBe(Math.ceil((1.5 + 0.5 + 0.25) * 100) / 100);
  });

  it('registration amount scales with expire', () => {
    const s = spec(8, { expire: 44000 });
    expect(registrationAmount(s, 1_800_000)).toBe(0.16);
    expect(registrationAmount(spec(8, { expire: 1 }), 1_800_000)).toBe(0.01);
  });

  it('update amount credits the unused part of the previous subscription', () => {
    const s = spec(8);
    const full = updateAmount(s, 1_810_000, { spec: s, height: 1_810_000 - 22000 });
    const half = updateAmount(s, 1_810_000, { spec: s, height: 1_810_000 - 11000 });
    expect(full).toBe(Math.ceil(0.08 * 0.9 * 100) / 100);
    expect(half).toBe(Math.ceil((0.08 - 0.5 * 0.08) * 0.9 * 100) / 100);
  });
});
