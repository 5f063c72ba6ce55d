import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ProjectionRunner } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, ProjectionHost, ReconcileLoop, type Logger } from '@fluxplane/service-kit';
import { ClusterState } from '../domain';
import type { SchedulerConfig } from '../config';
import { SchedulerProjection, type Cause, type Change } from '../projections/scheduler.projection';
import { PlacementReconciler } from './placement-reconciler';
import { SchedulerLeadership } from './leadership.service';

/**
 * Drives the reconciler: every committed change of an app triggers that app; a node change triggers
 * only the apps on that node (it got worse or changed) and, when it gained room, the apps left short
 * of their target; the loop's periodic full pass catches whatever an event-driven run missed. Nothing
 * is decided before the projection has caught up with the stream at start, so no decision is made
 * on stale state.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly loop: ReconcileLoop<Cause>;

  constructor(
    projection: SchedulerProjection,
    private readonly reconciler: PlacementReconciler,
    private readonly state: ClusterState,
    projections: ProjectionHost,
    @Inject(CONFIG) config: SchedulerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly leadership: SchedulerLeadership,
  ) {
    this.loop = new ReconcileLoop<Cause>({
      name: 'scheduler',
      // Only the active scheduler decides (see SchedulerLeadership); it looks at every app when it takes over.
      work: async ({ key, cause }) => { if (this.leadership.isActive()) await this.reconciler.reconcileApp(key, cause); },
      keys: async () => state.appKeys(),
      // A fixed window from the first change: a burst becomes one decision, and healing is not delayed
      // by a trickle of changes.
      debounceMs: config.SCHEDULER_DEBOUNCE_MS,
      maxDelayMs: config.SCHEDULER_DEBOUNCE_MS,
      intervalMs: config.SCHEDULER_RECONCILE_INTERVAL_MS,
      // Decisions are made one at a time from memory (JavaScript runs one at a time) and reserve their
      // resources before their append; only the appends of many apps overlap.
      concurrency: config.SCHEDULER_CONCURRENCY,
      projections,
      catchUpAtStart: { timeoutMs: 120_000, strict: false },
      logger,
    });
    projection.onChange((c) => this.changed(c));
    leadership.onChange((active) => { if (active) this.loop.triggerAll(); });
  }

  attach(runner: ProjectionRunner): void {
    this.reconciler.attach(runner);
  }

  private changed(c: Change): void {
    if (c.kind === 'app') {
      if (!c.held) this.loop.trigger(c.app, { cause: c.cause });
      return;
    }
    for (const app of c.apps) this.loop.trigger(app, { cause: c.cause });
    if (c.short) for (const app of this.state.shortKeys()) this.loop.trigger(app, { cause: c.cause });
  }

  onApplicationBootstrap(): void {
    // Runs once the projection caught up; the kit starts the projection runners in its own bootstrap hook.
    this.loop.start();
  }

  /** Before the kit drains NATS and closes Postgres: let the decision in flight finish first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}
