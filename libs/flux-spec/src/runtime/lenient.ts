/**
 * Lenient readers for the values of a stored spec. A registered spec was formatted by FluxOS's rules
 * (numbers are numbers), but events written by older versions, or specs from other tools, may hold
 * numeric strings: "0.5" and 0.5 both count as numbers here, as they would after FluxOS's formatter.
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
  return Array.isArray(v) ? v.map(text) : [];
}

/**
 * Any stored value as text, never throwing: `String(v)` calls the value's own `toString`, and a
 * stored object may carry a key of that name that is not a function (`{"toString": 0}`).
 */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? '[array]' : '[object]';
  }
}

export function numbers(v: unknown): Array<number | undefined> {
  return Array.isArray(v) ? v.map(num) : [];
}

/** FluxOS's `ensureBoolean` truths: true, 1 and their string forms. */
export function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

export function isObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A TCP port, or undefined for anything that is not one. */
export function port(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}
