import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { deterministicId, makeEvent, Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, NO_STREAM } from '@fluxplane/eventstore';
import { CONFIG, counter, LOGGER, ProjectionHost, ReconcileLoop, type Logger } from '@fluxplane/service-kit';
import { ClusterState, expectedToStart, foldMasters, nextDeadline, overdueStarts, type PendingStart } from '../domain';
import { SchedulerProjection } from '../projections/scheduler.projection';
import type { SchedulerConfig } from '../config';
import { NotLeaderError, SchedulerLeadership } from './leadership.service';

const overdue = counter({ name: 'fluxplane_scheduler_start_deadline_failures_total', help: 'Instances recorded failed because they were not reported started within the start deadline' });

/**
 * An instance placed but not reported started within INSTANCE_START_DEADLINE_MS is recorded failed
 * (InstanceFailed on its instance stream, with the reason), exactly as if its agent had reported a
 * failed start: the reconciler places it elsewhere and does not retry that node for the spec.
 * Only instances expected to run are held to it (see `expectedToStart`: a `g:` standby never
 * starts). The clock of a placement starts when this process first sees it waiting (every
 * scheduler watches, so a standby that takes over knows the waits); only the active one records.
 */
@Injectable()
export class StartDeadlineWatch implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly loop: ReconcileLoop;
  /** Per app: `nodeId/scheduledSeq` → the pending start. */
  private readonly pending = new Map<string, Map<string, PendingStart>>();
  private readonly wakes = new Map<string, NodeJS.Timeout>();

  constructor(
    projection: SchedulerProjection,
    private readonly store: EventStore,
    private readonly state: ClusterState,
    private readonly leadership: SchedulerLeadership,
    projections: ProjectionHost,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ReconcileLoop({
      name: 'start-deadline',
      work: async ({ key }) => this.check(key),
      keys: async () => state.appKeys(),
      debounceMs: 50,
      maxDelayMs: 500,
      // Only a safety net: each app is woken by its changes and at its next deadline.
      intervalMs: config.INSTANCE_START_DEADLINE_MS,
      concurrency: 2,
      projections,
      catchUpAtStart: { timeoutMs: 120_000, strict: false },
      logger,
    });
    projection.onChange((c) => { if (c.kind === 'app') this.loop.trigger(c.app); });
    leadership.onChange((active) => { if (active) for (const app of this.pending.keys()) this.loop.trigger(app); });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.wakes.values()) clearTimeout(t);
    this.wakes.clear();
    await this.loop.stop();
  }

  private async check(key: string): Promise<void> {
    const now = Date.now();
    const deadline = this.config.INSTANCE_START_DEADLINE_MS;
    // From memory (the projection's state as committed): a burst of placements costs no SQL.
    const placements = this.state.placementStatuses(key);
    const before = this.pending.get(key) ?? new Map<string, PendingStart>();
    const waiting = new Map<string, PendingStart>();
    for (const p of placements) {
      // A node that is down is healed by the reconciler; only a live node's silence about a start counts.
      if (p.status !== 'scheduled' || !this.state.isUp(p.nodeId)) continue;
      const k = `${p.nodeId}/${p.scheduledSeq}`;
      waiting.set(k, before.get(k) ?? { nodeId: p.nodeId, specHash: p.specHash, scheduledSeq: p.scheduledSeq, seenAt: now });
    }
    if (waiting.size === 0) this.pending.delete(key);
    else this.pending.set(key, waiting);
    const due = overdueStarts([...waiting.values()], now, deadline, () => true);
    if (due.length > 0 && this.leadership.isActive()) {
      const app = this.state.app(key);
      if (app && !app.expired) {
        const hasG = app.runtime.components.some((c) => c.data?.syncMode === 'g');
        const masters = new Map<string, string>();
        if (hasG) for (const [c, m] of foldMasters((await this.store.readStream(Subjects.master(key))).events)) masters.set(c, m.nodeId);
        for (const p of due.filter((d) => expectedToStart(app.runtime, masters, d.nodeId))) await this.fail(app.name, p, deadline);
      }
    }
    this.wake(key, nextDeadline([...waiting.values()].filter((p) => now - p.seenAt < deadline), deadline));
  }

  private wake(key: string, at: number | null): void {
    clearTimeout(this.wakes.get(key));
    this.wakes.delete(key);
    if (at === null) return;
    const t = setTimeout(() => { this.wakes.delete(key); this.loop.trigger(key); }, Math.max(0, at - Date.now()) + 10);
    t.unref();
    this.wakes.set(key, t);
  }

  /** Records the failed start, unless the agent reported on this placement meanwhile. */
  private async fail(app: string, p: PendingStart, deadlineMs: number): Promise<void> {
    const subject = Subjects.instance(app, p.nodeId);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const last = await this.store.last(subject);
      if (last && last.seq > p.scheduledSeq && last.event.type !== 'InstanceStopped') return; // reported after all
      try {
        const term = this.leadership.fence(`record a failed start of ${app} on ${p.nodeId}`);
        const error = `not reported started within ${Math.round(deadlineMs / 1000)} s of being placed (the scheduler's start deadline)`;
        const event = makeEvent('InstanceFailed', subject, { app, nodeId: p.nodeId, specHash: p.specHash, error },
          { id: deterministicId('start-deadline', subject, p.scheduledSeq), leaderTerm: term });
        await this.store.append(subject, [event], last?.seq ?? NO_STREAM);
        overdue.inc();
        this.logger.warn({ app, nodeId: p.nodeId, specHash: p.specHash.slice(0, 12), deadlineMs }, 'instance not started in time: recorded as a failed start, to be placed elsewhere');
        return;
      } catch (err) {
        if (err instanceof NotLeaderError) return;
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
  }
}
