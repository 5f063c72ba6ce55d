import { Inject, Injectable, Optional } from '@nestjs/common';
import { Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, type ProjectionRunner } from '@fluxplane/eventstore';
import { CONFIG, counter, LOGGER, type Logger } from '@fluxplane/service-kit';
import { ClusterState, isEmptyPlan, planEvents, reconcile, type Hardware, type Plan } from '../domain';
import type { SchedulerConfig } from '../config';
import type { Cause } from '../projections/scheduler.projection';
import { SchedulerLeadership } from './leadership.service';

export const HARDWARE = Symbol('scheduler.hardware');

export interface Decision {
  app: string;
  plan: Plan;
  revision: number;
}

const decisions = counter({ name: 'fluxplane_scheduler_decisions_total', help: 'Placement plans committed', labelNames: ['outcome'] });
const placed = counter({ name: 'fluxplane_scheduler_instances_scheduled_total', help: 'InstanceScheduled events appended' });

/**
 * Decides an app from the in-memory state (no database read) and commits the plan on the app's
 * placement stream with optimistic concurrency. The plan is reserved in memory before its append, so
 * decisions for other apps made while it is in flight see its resources (many apps' appends are in
 * flight at once: the loop runs `SCHEDULER_CONCURRENCY` apps concurrently, and their appends are
 * pipelined on one connection). When the append fails or the stream moved, the app's placements are
 * read back from its stream (the truth) and it decides again. A crash loses nothing: memory is
 * rebuilt from the projection and the stream, and a re-sent decision keeps its deterministic ids.
 */
@Injectable()
export class PlacementReconciler {
  private runner?: ProjectionRunner;
  /** Last shortfall note per app, so a stuck app is logged when its situation changes, not every pass. */
  private readonly notes = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    private readonly state: ClusterState,
    @Inject(HARDWARE) private readonly hardware: Hardware,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly leadership?: SchedulerLeadership,
  ) {}

  /** The runner of the scheduler projection (kept for callers that wait on it). */
  attach(runner: ProjectionRunner): void {
    this.runner = runner;
  }

  get projectionRunner(): ProjectionRunner | undefined {
    return this.runner;
  }

  async reconcileApp(key: string, cause?: Cause): Promise<Decision | null> {
    const subject = Subjects.placement(key);
    for (let attempt = 1; attempt <= this.config.SCHEDULER_MAX_ATTEMPTS; attempt++) {
      const input = this.state.input(key, this.hardware);
      const plan = reconcile(input);
      this.noteShortfall(key, plan);
      if (isEmptyPlan(plan)) return null;
      const name = input.app?.name ?? this.state.displayName(key) ?? key;
      const revision = this.state.revision(key);
      // The fencing token: checked last thing before the reservation and the append (throws when the
      // lease is not held, before anything is reserved in memory).
      const term = this.leadership?.fence(`place ${name}`);
      const events = planEvents(name, plan, revision, cause, undefined, term);
      this.state.reserve(key, name, plan);
      try {
        const result = await this.store.append(subject, events, revision);
        this.state.confirm(key, plan, result.seqs);
        decisions.inc({ outcome: 'committed' });
        placed.inc(plan.schedule.length);
        // Built only when it is logged: thousands of plans a second in a burst.
        if (this.logger.isLevelEnabled('debug')) {
          this.logger.debug({ app: name, revision: result.revision, scheduled: plan.schedule.map((s) => `${s.nodeId}: ${s.reason}`), unscheduled: plan.unschedule.map((u) => `${u.nodeId}: ${u.reason}`) }, 'placement plan committed');
        }
        return { app: name, plan, revision: result.revision };
      } catch (err) {
        // The stream is the truth: read the app's placements back before deciding again.
        const read = await this.store.readStream(subject);
        this.state.resync(key, read.events, read.revision);
        if (!(err instanceof ConcurrencyError)) {
          decisions.inc({ outcome: 'failed' });
          throw err;
        }
        decisions.inc({ outcome: 'conflict' });
        this.logger.debug({ app: key, attempt }, 'placement stream moved while deciding; deciding again');
      }
    }
    throw new Error(`gave up placing ${key} after ${this.config.SCHEDULER_MAX_ATTEMPTS} concurrent writes`);
  }

  private noteShortfall(key: string, plan: Plan): void {
    const note = plan.notes.join('; ');
    this.state.markShort(key, plan.notes.length > 0);
    if (note === (this.notes.get(key) ?? '')) return;
    if (note) this.notes.set(key, note);
    else this.notes.delete(key);
    if (note) this.logger.warn({ app: key, note }, 'app cannot be fully placed');
  }
}

/** Stamps the leader's term (fencing token) on each decided event. */
export function stampTerm<E extends { leaderTerm?: number }>(events: E[], term: number | undefined): E[] {
  return term ? events.map((e) => ({ ...e, leaderTerm: term })) : events;
}

