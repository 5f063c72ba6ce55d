/**
 * The message of anything thrown, for logs and replies. `catch` hands us `unknown`: usually an
 * Error, but NATS, Docker and fetch also reject with plain objects that carry a `message`, and
 * some code throws strings.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return String(message ?? err);
}
