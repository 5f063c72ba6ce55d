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
