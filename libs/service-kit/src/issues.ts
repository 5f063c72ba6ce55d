import type { z } from 'zod';
import { FluxError } from './flux-error';

/** `a.b.0: message; c: message` — each zod issue with the path of its field under `root`. */
export function describeIssues(error: z.ZodError, root: string): string {
  return error.issues.map((i) => `${[root, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`).join('; ');
}

/** A bad request's 400: each field by its path (`name: ...`), the whole body as `body`. */
export function badRequest(error: z.ZodError): FluxError {
  return new FluxError(400, 'BadRequest', error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}
