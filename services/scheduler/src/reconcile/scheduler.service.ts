import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ProjectionRunner } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, type Logger } from '@fluxplane/service-kit';
import { SchedulerStateRepository } from '../adapters/scheduler-state.repository';
import type { SchedulerConfig } from '../config';
import { SchedulerProjection, type Cause, type Change } from '../projections/scheduler.projection';
import { PlacementReconciler } from './placement-reconciler';
import { ReconcileQueue } from './reconcile-queue';

/**
 * Drives the reconciler: every committed change of an app (or of any node) queues that app (or all
 * apps); a periodic full pass catches whatever an event-driven run missed. Nothing is decided before
 * the projection has caught up with the stream at start, so no decision is made on stale state.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly queue: ReconcileQueue<Cause>;
  private interval?: NodeJS.Timeout;
  private runner?: ProjectionRunner;
  private shuttingDown = false;

  constructor(
    private readonly projection: SchedulerProjection,
    private readonly reconciler: PlacementReconciler,
    private readonly repo: SchedulerStateRepository,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.queue = new ReconcileQueue<Cause>({
      debounceMs: config.SCHEDULER_DEBOUNCE_MS,
      work: async (app, cause) => { await this.reconciler.reconcileApp(app, cause); },
      listAll: () => this.repo.appKeys(),
      onError: (app, err) => { if (!this.shuttingDown) this.logger.error({ app, err: String((err as Error)?.message ?? err) }, 'reconcile failed; the next pass retries'); },
    });
    projection.onChange((c) => this.changed(c));
  }

  attach(runner: ProjectionRunner): void {
    this.runner = runner;
    this.reconciler.attach(runner);
  }

  private changed(c: Change): void {
    if (c.kind === 'app') this.queue.mark(c.app, c.cause);
    // A node change can free, add or remove capacity for any app.
    else this.queue.markAll();
  }

  onApplicationBootstrap(): void {
    // Not awaited: the kit starts the projection runners in its own bootstrap hook.
    void this.startWhenCaughtUp();
  }

  private async startWhenCaughtUp(): Promise<void> {
    try {
      await this.runner?.catchUp(120_000);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'projection still catching up; starting the scheduler anyway');
    }
    if (this.shuttingDown) return;
    this.queue.start();
    this.queue.markAll();
    this.interval = setInterval(() => this.queue.markAll(), this.config.SCHEDULER_RECONCILE_INTERVAL_MS);
    this.logger.info({ intervalMs: this.config.SCHEDULER_RECONCILE_INTERVAL_MS }, 'scheduler started');
  }

  /** Before the kit drains NATS and closes Postgres: let the decision in flight finish first. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.interval) clearInterval(this.interval);
    await this.queue.stop();
  }
}
