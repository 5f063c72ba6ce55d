import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, type ProjectionRunner } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, type Logger } from '@fluxplane/service-kit';
import { foldPlacements, isEmptyPlan, planEvents, reconcile, toPlacements, type Hardware, type Plan, type ReconcileInput } from '../domain';
import { SchedulerStateRepository } from '../adapters/scheduler-state.repository';
import type { SchedulerConfig } from '../config';
import type { Cause } from '../projections/scheduler.projection';

export const HARDWARE = Symbol('scheduler.hardware');

export interface Decision {
  app: string;
  plan: Plan;
  revision: number;
}

/**
 * Loads an app's state, decides with the pure reconciler and commits the plan on the app's placement
 * stream with optimistic concurrency: the plan is appended only if nobody wrote to the stream since
 * it was read; otherwise it re-reads and decides again.
 */
@Injectable()
export class PlacementReconciler {
  private runner?: ProjectionRunner;
  /** Last shortfall note per app, so a stuck app is logged when its situation changes, not every pass. */
  private readonly notes = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    private readonly repo: SchedulerStateRepository,
    @Inject(HARDWARE) private readonly hardware: Hardware,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The runner of the scheduler projection: decisions wait for it to catch up with the stream. */
  attach(runner: ProjectionRunner): void {
    this.runner = runner;
  }

  async reconcileApp(key: string, cause?: Cause): Promise<Decision | null> {
    // Cheap first look from the read model: in the steady state there is nothing to do and no
    // stream needs reading.
    const first = reconcile(await this.input(key, toPlacements(await this.repo.placementState(key), await this.repo.statusReports(key))));
    if (isEmptyPlan(first)) {
      this.noteShortfall(key, first);
      return null;
    }
    const subject = Subjects.placement(key);
    for (let attempt = 1; attempt <= this.config.SCHEDULER_MAX_ATTEMPTS; attempt++) {
      const read = await this.store.readStream(subject);
      // Decide from a read model at least as new as the last placement decision, so the app spec
      // and node states are never older than what the stream already acted on.
      if (this.runner && this.runner.handledPosition < read.revision) await this.runner.waitFor(read.revision);
      const placements = toPlacements(foldPlacements(read.events), await this.repo.statusReports(key));
      const input = await this.input(key, placements);
      const plan = reconcile(input);
      this.noteShortfall(key, plan);
      if (isEmptyPlan(plan)) return null;
      const name = input.app?.name ?? (await this.repo.displayName(key)) ?? lastAppName(read.events) ?? key;
      const events = planEvents(name, plan, read.revision, cause);
      try {
        const result = await this.store.append(subject, events, read.revision);
        this.logger.info({ app: name, revision: result.revision, scheduled: plan.schedule.map((s) => `${s.nodeId}: ${s.reason}`), unscheduled: plan.unschedule.map((u) => `${u.nodeId}: ${u.reason}`) }, 'placement plan committed');
        // The next decision (for any app) must see this one's capacity use.
        await this.runner?.waitFor(result.revision);
        return { app: name, plan, revision: result.revision };
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        this.logger.debug({ app: key, attempt }, 'placement stream moved while deciding; deciding again');
      }
    }
    throw new Error(`gave up placing ${key} after ${this.config.SCHEDULER_MAX_ATTEMPTS} concurrent writes`);
  }

  private async input(key: string, placements: ReconcileInput['placements']): Promise<ReconcileInput> {
    const [app, nodes, usage, setbacks] = await Promise.all([this.repo.app(key), this.repo.nodes(), this.repo.usageExcluding(key), this.repo.setbacks(key)]);
    return { app, placements, nodes, usage, setbacks, hardware: this.hardware };
  }

  private noteShortfall(key: string, plan: Plan): void {
    const note = plan.notes.join('; ');
    if (note === (this.notes.get(key) ?? '')) return;
    if (note) this.notes.set(key, note);
    else this.notes.delete(key);
    if (note) this.logger.warn({ app: key, note }, 'app cannot be fully placed');
  }
}

function lastAppName(events: ReadonlyArray<{ event: { type: string; data: unknown } }>): string | undefined {
  const e = [...events].reverse().find((x) => x.event.type === 'InstanceScheduled');
  return (e?.event.data as { app?: string } | undefined)?.app;
}
