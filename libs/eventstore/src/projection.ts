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
  /**
   * The version of its tables' shape. When it differs from the version its rows were built with, the
   * runner drops them (`drop`, else `reset`), creates them anew (`setup`) and rebuilds from sequence 1,
   * so a read model whose shape changed never mixes rows of two shapes. Default 1.
   */
  readonly version?: number;
  /** Drops its tables, for a rebuild after a change of `version` (default: `reset`). */
  drop?(em: EntityManager): Promise<void>;
  /** Creates its tables (idempotent). */
  setup?(em: EntityManager): Promise<void>;
  apply(event: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void>;
  /**
   * Optional: applies consecutive events of one batch (stream order, each newer than the checkpoint,
   * on its subjects) inside the batch's transaction, e.g. with one multi-row statement per table.
   * Must have the same effect as `apply` on each in order. Without it, the runner calls `apply`.
   */
  applyBatch?(events: ReadonlyArray<{ event: DomainEvent; seq: number }>, em: EntityManager): Promise<void>;
  /** Deletes all its rows, before a rebuild from sequence 1. */
  reset(em: EntityManager): Promise<void>;
}
