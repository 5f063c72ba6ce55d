import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SCHEDULER_LEADER_BUCKET } from '@fluxplane/contracts';
import { EventStore, KvLease } from '@fluxplane/eventstore';
import { CONFIG, counter, errorText, gauge, LOGGER, ProjectionHost, type Logger } from '@fluxplane/service-kit';
import type { SchedulerConfig } from '../config';

/** JetStream KV bucket of the scheduler leader lease; one key. */
export const LEADER_BUCKET = SCHEDULER_LEADER_BUCKET;
export const LEADER_KEY = 'active';

const activeGauge = gauge({ name: 'fluxplane_scheduler_active', help: '1 while this scheduler holds the leader lease and decides' });
const termGauge = gauge({ name: 'fluxplane_scheduler_leader_term', help: 'Term of the leader lease this scheduler holds (0: standby)' });
const takeovers = counter({ name: 'fluxplane_scheduler_leader_changes_total', help: 'Leader lease acquired or lost by this scheduler', labelNames: ['kind'] });

/** Thrown instead of appending a decision when this scheduler does not (or no longer) hold the lease. */
export class NotLeaderError extends Error {
  constructor(what: string) {
    super(`not the active scheduler: ${what}`);
    this.name = 'NotLeaderError';
  }
}

/**
 * Two schedulers (or more) run; one is active: the holder of the leader lease, the KvLease of
 * `@fluxplane/eventstore` (the one lease implementation of the repository; its rules are the pure
 * `decideLease`) in the bucket `fluxplane_scheduler_leader`, renewed every quarter lease. The holder
 * counts itself active only until lease end measured from before its last successful write — so a
 * process paused past its lease (GC, SIGSTOP, a partition) stops deciding by its own clock before
 * anyone else may start. The others take over once the entry has not moved for lease + margin (or
 * was released at shutdown), with the next term. Everything the active scheduler decides is appended
 * after `fence()`, which returns the term (the fencing token, stamped into each event as
 * `leaderTerm`) or throws when the lease is not (or no longer) held.
 */
@Injectable()
export class SchedulerLeadership implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly id: string;
  private readonly lease: KvLease;
  private wasActive = false;
  /** The term the gauges show (0 while not active); undefined before the first look. */
  private shownTerm?: number;
  private readonly listeners: Array<(active: boolean) => void> = [];

  constructor(
    store: EventStore,
    host: ProjectionHost,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.id = config.SCHEDULER_ID ?? `scheduler-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.lease = new KvLease(() => store.openKv(LEADER_BUCKET), LEADER_KEY, {
      holder: this.id,
      ttlMs: config.SCHEDULER_LEASE_MS,
      marginMs: config.SCHEDULER_LEASE_MARGIN_MS,
      renewEveryMs: Math.max(50, Math.floor(config.SCHEDULER_LEASE_MS / 4)),
      logger: logger.child({ scheduler: this.id }),
    });
    host.track('scheduler.leader', this.lease);
  }

  /** Called when this scheduler becomes active (true) or stops being active (false). */
  onChange(listener: (active: boolean) => void): void {
    this.listeners.push(listener);
  }

  isActive(): boolean {
    const active = this.lease.held;
    this.noteActive(active);
    return active;
  }

  /** The term to stamp on a decision about to be appended; throws when not the active scheduler. */
  fence(what: string): number {
    const term = this.lease.term;
    this.noteActive(term > 0);
    if (term === 0) throw new NotLeaderError(what);
    return term;
  }

  get currentTerm(): number {
    return this.lease.term;
  }

  onApplicationBootstrap(): void {
    this.lease.start((held) => this.noteActive(held));
  }

  /** Tells listeners when being active changed (also when the lease lapsed by the clock alone). */
  private noteActive(active: boolean): void {
    // Asked before every decision: the gauges are set only when what they show changed.
    const term = active ? this.lease.term : 0;
    if (term !== this.shownTerm || active !== this.wasActive) {
      activeGauge.set(active ? 1 : 0);
      termGauge.set(term);
      this.shownTerm = term;
    }
    if (active === this.wasActive) return;
    this.wasActive = active;
    takeovers.inc({ kind: active ? 'acquired' : 'lost' });
    if (active) this.logger.info({ scheduler: this.id, term: this.lease.term }, 'this scheduler is now the active one');
    else this.logger.warn({ scheduler: this.id, holder: this.lease.lastSeen?.holder }, 'this scheduler lost the leader lease; standing by');
    for (const l of this.listeners) {
      try { l(active); } catch (err) { this.logger.warn({ err: errorText(err) }, 'leadership listener failed'); }
    }
  }

  /** At shutdown (after the loops stopped deciding), release the lease so a standby takes over at once. */
  async release(): Promise<void> {
    const wasHeld = this.lease.held;
    await this.lease.stop();
    if (wasHeld) {
      this.wasActive = false;
      activeGauge.set(0);
      termGauge.set(0);
      this.shownTerm = 0;
      this.logger.info({ scheduler: this.id }, 'released the scheduler leader lease');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.release();
  }
}
