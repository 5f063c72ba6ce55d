import { z } from 'zod';
import { FluxError } from '@fluxplane/service-kit';

/**
 * FluxOS clients post JSON either as `application/json` or as a raw JSON string (text/plain, or
 * JSON-encoded twice). Accept all three, then validate with `schema`; the error lists each bad field.
 */
export function parseBody<S extends z.ZodType>(raw: unknown, schema: S, what = 'body'): z.infer<S> {
  let value = raw;
  for (let i = 0; i < 2 && typeof value === 'string'; i++) {
    try {
      value = JSON.parse(value);
    } catch {
      throw new FluxError(400, 'BadRequest', `${what} is not valid JSON`);
    }
  }
  if (value === undefined || value === null || value === '') throw new FluxError(400, 'BadRequest', `${what} is empty`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${[what, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new FluxError(400, 'BadRequest', problems);
  }
  return parsed.data;
}

/** Validates query parameters (strings) with `schema`; the error names each bad parameter. */
export function parseQuery<S extends z.ZodType>(raw: unknown, schema: S): z.infer<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['query', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new FluxError(400, 'BadRequest', problems);
  }
  return parsed.data;
}
