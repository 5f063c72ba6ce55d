import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, errorText, LOGGER, ProjectionHost, ReconcileLoop, type Logger } from '@fluxplane/service-kit';
import { SchedulerStateReader } from '../projections/scheduler-state.reader';
import { SchedulerProjection, type Cause, type Change } from '../projections/scheduler.projection';
import { SyncStatusView } from '../signals/sync-status-view';
import { MasterLeaseWatch } from '../adapters/master-lease-watch';
import type { SchedulerConfig } from '../config';
import { MasterElector } from './master-elector';
import { SchedulerLeadership } from './leadership.service';

/**
 * Runs the `g:` master election per app on a `ReconcileLoop`: after every committed change of the
 * app (placements, reports, a MasterElected) or of any node, on a sync report that changes whether
 * a folder is complete, on a lease entry, at the instant an old lease has certainly expired (a
 * timer per app), and in the periodic full pass.
 */
@Injectable()
export class MasterElectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly loop: ReconcileLoop<Cause>;
  private readonly wakes = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(
    projection: SchedulerProjection,
    private readonly elector: MasterElector,
    private readonly leases: MasterLeaseWatch,
    sync: SyncStatusView,
    repo: SchedulerStateReader,
    projections: ProjectionHost,
    @Inject(CONFIG) config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly leadership: SchedulerLeadership,
  ) {
    this.loop = new ReconcileLoop<Cause>({
      name: 'master-election',
      work: async ({ key, cause }) => {
        // Only the active scheduler elects masters; it looks at every app when it takes over.
        if (!this.leadership.isActive()) return;
        // Most apps have no `g:` component: a full pass (at takeover, during the placement burst) skips them without allocating.
        if (!this.elector.elects(key)) return;
        const run = await this.elector.electApp(key, cause);
        if (run.wakeAt !== null) this.wakeAt(key, run.wakeAt);
      },
      // Only apps with an election: a full pass (every 5 s, and at takeover amid a placement burst) skips the rest.
      keys: async () => (await repo.appKeys()).filter((k) => elector.elects(k)),
      debounceMs: config.SCHEDULER_DEBOUNCE_MS,
      maxDelayMs: config.SCHEDULER_DEBOUNCE_MS,
      intervalMs: config.SCHEDULER_RECONCILE_INTERVAL_MS,
      concurrency: 2,
      projections,
      catchUpAtStart: { timeoutMs: 120_000, strict: false },
      logger,
    });
    projection.onChange((c: Change) => {
      // A node change matters to the elections of the apps on that node. Only apps with `g:`
      // components have one (the state is already updated by the change): a placement burst of
      // other apps costs this loop nothing.
      if (c.kind === 'app') { if (elector.elects(c.app)) this.loop.trigger(c.app, { cause: c.cause }); }
      else for (const app of c.apps) if (elector.elects(app)) this.loop.trigger(app, { cause: c.cause });
    });
    sync.onChange((app) => this.loop.trigger(app));
    leases.onChange((app) => this.loop.trigger(app));
    leadership.onChange((active) => { if (active) this.loop.triggerAll(); });
  }

  /** Runs the app's election again at `at` (the earliest wake per app wins). */
  private wakeAt(key: string, at: number): void {
    const prev = this.wakes.get(key);
    if (prev && prev.at <= at && prev.at > Date.now()) return;
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(() => { this.wakes.delete(key); this.loop.trigger(key); }, Math.max(0, at - Date.now()) + 5);
    timer.unref();
    this.wakes.set(key, { at, timer });
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.leases.start();
    } catch (err) {
      // Without the lease watch every old lease counts from when this process saw the term: safe, slower.
      this.logger.warn({ err: errorText(err) }, 'could not watch the master leases');
    }
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const w of this.wakes.values()) clearTimeout(w.timer);
    this.wakes.clear();
    this.leases.stop();
    await this.loop.stop();
  }
}
