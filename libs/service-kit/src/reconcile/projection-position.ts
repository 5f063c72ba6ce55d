/**
 * What a reconcile loop needs to know about the projections its work reads. A `ProjectionRunner`
 * (libs/eventstore) is one; `ProjectionHost` is one for all of a service's projections.
 */
export interface ProjectionPosition {
  /** Resolves once every event up to stream sequence `seq` has been handled. */
  waitFor(seq: number, timeoutMs?: number): Promise<void>;
  /** Resolves once everything stored so far has been handled. */
  catchUp(timeoutMs?: number): Promise<void>;
}
