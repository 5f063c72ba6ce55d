import type { Tier } from '@fluxplane/contracts';

/**
 * Lenient readers for spec values. Specs arrive as received (FluxOS coerces numeric strings when it
 * formats them, fluxos.md §1.3a), so "0.5" and 0.5 both count as numbers here.
 */
export type Loose = Record<string, unknown>;

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : [];
}

export function numbers(v: unknown): Array<number | undefined> {
  return Array.isArray(v) ? v.map(num) : [];
}

export function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1;
}

/** Flux names the tiers basic/super/bamf in spec keys (fluxos.md §1.4). */
export const TIER_KEY_SUFFIX: Record<Tier, string> = { CUMULUS: 'basic', NIMBUS: 'super', STRATUS: 'bamf' };

/**
 * The value of a resource for a node's tier: a tiered spec's tier value, falling back to the flat
 * value, exactly as the FluxOS installer does.
 */
export function tieredValue(obj: Loose, key: 'cpu' | 'ram' | 'hdd', tier: Tier): number | undefined {
  if (truthy(obj.tiered)) {
    const v = num(obj[`${key}${TIER_KEY_SUFFIX[tier]}`]);
    if (v !== undefined) return v;
  }
  return num(obj[key]);
}
