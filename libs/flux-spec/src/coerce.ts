/**
 * The value coercions FluxOS applies while formatting a spec (`serviceHelper.ensure*`).
 * They are reproduced exactly, quirks included, because the coerced value is what is
 * validated, stored and hashed: `ensureString(undefined)` stays `undefined`,
 * `ensureBoolean('yes')` is `undefined`, numeric strings become numbers, and an
 * array field may arrive as a JSON string.
 */

/** `Number(x)`, except that values which cannot be converted give NaN instead of throwing. */
export function ensureNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  try {
    return Number(value);
  } catch {
    return NaN;
  }
}

/** Strings pass; anything else becomes its JSON text (so `undefined` stays `undefined`). */
export function ensureString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) as string | undefined;
  } catch {
    return undefined;
  }
}

/** Only true/false, 1/0 and their string forms are booleans; anything else is `undefined`. */
export function ensureBoolean(value: unknown): boolean | undefined {
  if (value === 'false' || value === 0 || value === '0' || value === false) return false;
  if (value === 'true' || value === 1 || value === '1' || value === true) return true;
  return undefined;
}

/**
 * `ensureObject` followed by the `Array.isArray` test FluxOS does on every list field:
 * arrays pass, a string holding a JSON array is parsed, anything else is not a list.
 */
export function ensureArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** FluxOS `isDecimalLimit`: a number (or numeric string) with at most `decimals` decimals. */
export function isDecimalLimit(value: unknown, decimals = 8): boolean {
  if (Number.isNaN(ensureNumber(value))) return false;
  const text = ensureString(value);
  const fraction = (typeof text === 'string' ? text.split('.')[1] : undefined) ?? '';
  return fraction.length <= decimals;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
