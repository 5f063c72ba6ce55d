/** Another writer appended to the subject since the caller read it: reload, decide again, retry. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(readonly subject: string, readonly expectedRevision: number, detail: string) {
    super(`concurrent write on ${subject}: expected revision ${expectedRevision} (${detail})`);
  }
}

export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
}

/**
 * An error connecting to the bus that waiting cannot cure: the store refusing an existing stream's
 * settings, the server refusing this identity or its certificate. Anything else (no server yet, no
 * JetStream meta leader yet, too few peers for the replicas while the cluster forms) may pass.
 */
export function permanentBusError(err: unknown): boolean {
  if (err instanceof EventStoreError) return true;
  const text = err instanceof Error ? `${err.message} ${String((err as { code?: unknown }).code ?? '')}` : String(err);
  return /authorization violation|authentication (expired|revoked)|user authentication|permissions violation|certificate|self[- ]signed|unable to verify/i.test(text);
}
