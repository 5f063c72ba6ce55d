import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';

export interface ProjectionContext {
  /** Stream sequence of the event: a monotonic position usable as a row version. */
  seq: number;
}

/**
 * A read model fed by events. `apply` runs inside the transaction that also moves the checkpoint,
 * so it must only write through the given EntityManager. It may throw: the runner retries with
 * backoff and parks the event after too many failures.
 */
export interface Projection {
  /** Unique per projection; also the durable consumer name. */
  readonly name: string;
  /** Subjects it reads, e.g. ['evt.app.>', 'evt.chain']. */
  readonly subjects: string[];
  /** Creates its tables (idempotent). */
  setup?(em: EntityManager): Promise<void>;
  apply(event: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void>;
  /** Deletes all its rows, before a rebuild from sequence 1. */
  reset(em: EntityManager): Promise<void>;
}
