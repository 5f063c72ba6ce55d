/**
 * App price in FLUX (FluxOS `appUtilities.appPricePerMonth`, fluxos.md §2 "Price") and
 * the amount a register/update transaction must pay on chain.
 *
 * The schedule is data: CFG `price` plus on-chain soft forks. The entry that applies is
 * the last one whose height is strictly below the height priced at.
 *
 * Amounts here are FLUX as FluxOS computes them. Whether a payment covers one is decided by
 * `paymentCoversPrice` (payment.ts), with FluxOS's unrounded `valueSat >= price * 1e8`.
 */
import { PRICE_MIN_USD_FLOOR, PRICE_PER_INSTANCE } from './heights';
import { defaultExpire } from './rules/expire';
import { isPortEnterprise } from './rules/ports';
import type { FluxAppSpec } from './types';

export interface PriceScheduleEntry {
  height: number;
  /** Per 0.1 core per month. */
  cpu: number;
  /** Per 100 MB per month. */
  ram: number;
  /** Per GB per month. */
  hdd: number;
  /** Minimum paid for any register or update. */
  minPrice: number;
  /** Per enterprise port. */
  port: number;
  /** For targeted nodes or enterprise apps. */
  scope: number;
  /** For static-IP placement. */
  staticip: number;
  /** Optional floor some soft forks carry, applied from height 1691000. */
  minUSDPrice?: number;
}

/** Mainnet schedule from FluxOS's configuration (soft forks included up to v8.17.0). */
export const FLUX_PRICE_SCHEDULE: readonly PriceScheduleEntry[] = Object.freeze([
  { height: -1, cpu: 3, ram: 1, hdd: 0.5, minPrice: 1, port: 2, scope: 6, staticip: 3 },
  { height: 983000, cpu: 0.3, ram: 0.1, hdd: 0.05, minPrice: 0.1, port: 2, scope: 6, staticip: 3 },
  { height: 1004000, cpu: 0.06, ram: 0.02, hdd: 0.01, minPrice: 0.01, port: 2, scope: 6, staticip: 3 },
  { height: 1288000, cpu: 0.15, ram: 0.05, hdd: 0.02, minPrice: 0.01, port: 2, scope: 6, staticip: 3 },
  { height: 1594832, cpu: 0.15, ram: 0.05, hdd: 0.02, minPrice: 0.01, port: 1.5, scope: 6, staticip: 3 },
  { height: 1597156, cpu: 0.03, ram: 0.01, hdd: 0.004, minPrice: 0.01, port: 0.4, scope: 0.8, staticip: 0.4 },
]);

/** The schedule entry in force at `height`. */
export function priceEntryAt(height: number, schedule: readonly PriceScheduleEntry[] = FLUX_PRICE_SCHEDULE): PriceScheduleEntry {
  const applicable = schedule.filter((e) => e.height < height);
  const entry = applicable[applicable.length - 1];
  if (!entry) throw new Error(`price schedule has no entry below height ${height}`);
  return entry;
}

const ceil2 = (x: number): number => Math.ceil(x * 100) / 100;
const n = (x: unknown): number => (typeof x === 'number' ? x : Number(x));

function legacyPrice(spec: FluxAppSpec, p: PriceScheduleEntry): number {
  // v1–v3 tiered apps pay for the sum of the three tiers (FluxOS does not average here).
  const cpu = spec.tiered ? n(spec.cpubasic) + n(spec.cpusuper) + n(spec.cpubamf) : n(spec.cpu);
  const ram = spec.tiered ? n(spec.rambasic) + n(spec.ramsuper) + n(spec.rambamf) : n(spec.ram);
  const hdd = spec.tiered ? n(spec.hddbasic) + n(spec.hddsuper) + n(spec.hddbamf) : n(spec.hdd);
  let total = cpu * p.cpu * 10 + (ram * p.ram) / 100 + hdd * p.hdd;
  if (spec.port) {
    if (isPortEnterprise(spec.port)) total += p.port;
  } else if (spec.ports) {
    total += spec.ports.filter((port) => isPortEnterprise(port)).length * p.port;
  }
  return Math.max(ceil2(total), p.minPrice);
}

/**
 * FLUX per month for `spec` at `height` (the height of the paying transaction).
 * From v4: resources of all components (tiered ones at their tier average), plus
 * scope/static IP/enterprise port surcharges, priced per 3 instances and, from height
 * 1890000, multiplied out for the real instance count.
 */
export function appPricePerMonth(spec: FluxAppSpec, height: number, schedule: readonly PriceScheduleEntry[] = FLUX_PRICE_SCHEDULE): number {
  const p = priceEntryAt(height, schedule);
  if (spec.version <= 3) return legacyPrice(spec, p);
  let cpu = 0;
  let ram = 0;
  let hdd = 0;
  let enterprisePorts = 0;
  for (const c of spec.compose ?? []) {
    if (c.tiered) {
      cpu += (n(c.cpubasic) + n(c.cpusuper) + n(c.cpubamf)) / 3;
      ram += (n(c.rambasic) + n(c.ramsuper) + n(c.rambamf)) / 3;
      hdd += (n(c.hddbasic) + n(c.hddsuper) + n(c.hddbamf)) / 3;
    } else {
      cpu += c.cpu;
      ram += c.ram;
      hdd += c.hdd;
    }
    enterprisePorts += c.ports.filter((port) => isPortEnterprise(port)).length;
  }
  let total = cpu * p.cpu * 10 + (ram * p.ram) / 100 + hdd * p.hdd;
  if ((spec.nodes && spec.nodes.length) || spec.enterprise) total += p.scope;
  if (spec.staticip) total += p.staticip;
  total += enterprisePorts * p.port;

  let price = ceil2(total / 3);
  const extra = (spec.instances ?? 3) - 1;
  if (extra > 0 && height >= PRICE_PER_INSTANCE) {
    if (price < 0.5 && extra > 2) {
      price += extra * 0.5;
    } else {
      // Both parts are ceiled separately, exactly as FluxOS does.
      price = (Math.ceil(price * extra * 100) + Math.ceil(price * 100)) / 100;
    }
  }
  if (p.minUSDPrice && height >= PRICE_MIN_USD_FLOOR && price < p.minUSDPrice) price = Number(p.minUSDPrice.toFixed(2));
  return price;
}

function subscriptionPrice(spec: FluxAppSpec, height: number, schedule: readonly PriceScheduleEntry[]): number {
  const def = defaultExpire(height);
  const expire = spec.version >= 6 && spec.expire ? spec.expire : def;
  return ceil2(appPricePerMonth(spec, height, schedule) * (expire / def));
}

/** FLUX a registration transaction must send: price × expire/defaultExpire, ceiled to 0.01, ≥ minPrice. */
export function registrationAmount(spec: FluxAppSpec, height: number, schedule: readonly PriceScheduleEntry[] = FLUX_PRICE_SCHEDULE): number {
  return Math.max(subscriptionPrice(spec, height, schedule), priceEntryAt(height, schedule).minPrice);
}

export interface PreviousPayment {
  spec: FluxAppSpec;
  /** Height of the transaction that paid for the current spec. */
  height: number;
}

/**
 * FLUX an update transaction must send: the new subscription minus the unused part of
 * the previous one, times 0.9, ceiled to 0.01, ≥ minPrice.
 * Simplification: subscriptions that straddle the PON fork are not rescaled (FluxOS
 * counts the blocks after the fork ×4 for those).
 */
export function updateAmount(
  spec: FluxAppSpec, height: number, previous: PreviousPayment, schedule: readonly PriceScheduleEntry[] = FLUX_PRICE_SCHEDULE,
): number {
  const current = subscriptionPrice(spec, height, schedule);
  const before = subscriptionPrice(previous.spec, previous.height, schedule);
  const prevDefault = defaultExpire(previous.height);
  const prevExpire = previous.spec.version >= 6 && previous.spec.expire ? previous.spec.expire : prevDefault;
  const unused = (prevExpire - (height - previous.height)) / prevExpire;
  const toPay = unused > 0 ? (current - unused * before) * 0.9 : current * 0.9;
  return Math.max(ceil2(toPay), priceEntryAt(height, schedule).minPrice);
}
