import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ANY, EventStore } from '@fluxplane/eventstore';
import { CONFIG, errorText, HealthRegistry, LOGGER, ProjectionHost, ReconcileLoop, SINGLE_KEY, type Logger, type ReconcileRun } from '@fluxplane/service-kit';
import type { DomainManagerConfig } from '../config';
import { desiredRoutes } from '../domain/desired-routes';
import { routeSummary, type RouteTable } from '../domain/route-table';
import { afterAnnouncements, announcements, type Announced } from '../domain/instance-announcements';
import { PROXY_ADAPTER, type ApplyMethod, type ProxyAdapter } from '../adapters/proxy-adapter';
import { RoutingProjection } from '../projections/routing.projection';
import { RoutingStateReader } from '../projections/routing-state.reader';
import { routingMetrics } from './metrics';

export interface AppliedRoutes {
  table: RouteTable;
  method: ApplyMethod;
  /** Why a reload was chosen, or why the runtime API was left. */
  reason?: string;
  at: Date;
  durationMs: number;
}

/**
 * The effect loop: projected state → desired routes → HAProxy → RoutesApplied. Reconciles from the
 * whole projected state every time (never from single events), so a missed trigger, a crash or a
 * restarted HAProxy only delays convergence. Triggered by projection changes (coalesced, never past
 * 4 × APPLY_DEBOUNCE_MS, so a steady trickle of changes cannot postpone routing forever), retried
 * with backoff after a failure, and resynced against the live proxy on the loop's periodic pass.
 */
@Injectable()
export class RouteApplier implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ReconcileLoop;
  private verifyNext = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  /** JSON of the routes in the last RoutesApplied on our subject; undefined = not read yet. */
  private lastPublished?: string;
  private readonly subject: string;
  last?: AppliedRoutes;
  /** Instances announced InstanceRouted and not drained since (in memory: after a restart they are announced again). */
  private readonly routed = new Map<string, Announced>();
  /** Told of the routes after each successful apply (the certificate manager). */
  private readonly appliedListeners: Array<(applied: AppliedRoutes) => void> = [];
  /** With HAPROXY_LEASE: one replica at a time drives the shared HAProxy. Undefined: ours alone. */
  private readonly lease;

  constructor(
    @Inject(CONFIG) private readonly config: DomainManagerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PROXY_ADAPTER) private readonly proxy: ProxyAdapter,
    private readonly store: EventStore,
    private readonly reader: RoutingStateReader,
    private readonly projection: RoutingProjection,
    private readonly projections: ProjectionHost,
    health: HealthRegistry,
  ) {
    this.subject = Subjects.routing(config.APP_DOMAIN);
    this.loop = new ReconcileLoop({
      name: 'routes',
      work: (run) => this.run(run),
      debounceMs: config.APPLY_DEBOUNCE_MS,
      intervalMs: config.RESYNC_INTERVAL_MS,
      projections,
      // Applying a half-replayed state would take live routes away and put them back moments later.
      catchUpAtStart: { timeoutMs: 5 * 60_000, strict: false },
      logger,
    });
    health.register('haproxy', () => proxy.ping());
    const key = config.HAPROXY_LEASE ? `domain-manager.routes.${config.HAPROXY_LEASE}` : undefined;
    this.lease = key ? projections.lease(key, logger.child({ lease: key })) : undefined;
  }

  /** Whether this replica drives the HAProxy now (always, unless it is shared through HAPROXY_LEASE). */
  get driving(): boolean {
    return !this.lease || this.lease.held;
  }

  onModuleInit(): void {
    this.projection.onChange((seq) => this.loop.trigger(SINGLE_KEY, { seq }));
    this.projections.register(this.projection, { afterCommit: (seq) => this.projection.committed(seq) });
  }

  onApplicationBootstrap(): void {
    this.lease?.start((held) => {
      this.logger.info({ held, term: this.lease?.term }, held ? 'routes lease acquired: driving HAProxy' : 'routes lease lost: standing by');
      // Whatever we believed HAProxy runs may have changed under the other replica; and what was
      // announced (InstanceRouted) is theirs to continue.
      this.proxy.forget?.();
      this.routed.clear();
      this.lastPublished = undefined;
      this.verifyNext = true;
      if (held) this.loop.trigger(SINGLE_KEY);
    });
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.loop.stop();
    await this.lease?.stop();
  }

  /** Calls `listener` after every successful apply, with what HAProxy now runs. */
  onApplied(listener: (applied: AppliedRoutes) => void): void {
    this.appliedListeners.push(listener);
  }

  /** True when nothing is scheduled, running or waiting for a retry (tests, readiness). */
  get settled(): boolean {
    return this.loop.started && !this.loop.busy && this.retryTimer === undefined;
  }

  private async run(run: ReconcileRun<unknown>): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.driving) return;
    const started = performance.now();
    const verify = this.verifyNext || run.periodic;
    this.verifyNext = false;
    try {
      const table = desiredRoutes(await this.reader.load(), this.config.APP_DOMAIN);
      const result = await this.proxy.apply(table, { verify });
      const durationMs = performance.now() - started;
      routingMetrics.applyDuration.observe({ method: result.method }, durationMs / 1000);
      if (result.method !== 'none') {
        this.logger.info({ method: result.method, reason: result.reason, durationMs: Math.round(durationMs * 10) / 10, backends: table.backends.length }, 'routes applied');
      }
      this.last = { table, method: result.method, reason: result.reason, at: new Date(), durationMs };
      await this.publish(table, result.method === 'reload');
      await this.announce(table);
      for (const listener of this.appliedListeners) listener(this.last);
      this.failures = 0;
      if (result.pending) this.schedule(result.retryInMs ?? 1000);
    } catch (err) {
      routingMetrics.applyFailures.inc();
      this.failures++;
      const delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.logger.error({ err: errorText(err), retryInMs: delay }, 'applying routes failed');
      this.verifyNext = true; // after a failure nothing about the live state is certain
      this.schedule(delay);
    }
  }

  private schedule(delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.loop.trigger();
    }, delayMs);
    this.retryTimer.unref();
  }

  /**
   * InstanceRouted / InstanceDrained on the app's `evt.route.<app>` subject, as HAProxy's servers
   * come up behind their checks and finish draining: the scheduler's rolling updates and the node
   * agents' stops wait on them (docs/architecture.md, "Hitless changes").
   */
  private async announce(table: RouteTable): Promise<void> {
    if (!this.proxy.liveServers) return;
    const due = announcements(table, await this.proxy.liveServers(), this.routed);
    for (const a of due) {
      const type = a.type;
      const base = { app: a.app, nodeId: a.nodeId, specHash: a.specHash, domain: this.config.APP_DOMAIN, servers: a.servers };
      const event = a.type === 'InstanceRouted'
        ? makeEvent('InstanceRouted', Subjects.route(a.app), base)
        : makeEvent('InstanceDrained', Subjects.route(a.app), { ...base, cut: a.cut });
      await this.store.append(Subjects.route(a.app), [event], ANY);
      afterAnnouncements(this.routed, [a]);
      routingMetrics.instanceFacts.inc({ type });
      this.logger.info({ type, app: a.app, nodeId: a.nodeId, specHash: a.specHash.slice(0, 12) }, type === 'InstanceRouted' ? 'instance serves through HAProxy' : 'instance drained');
    }
  }

  /** RoutesApplied only when the routes differ from the last one on our subject (also across restarts). */
  private async publish(table: RouteTable, reloaded: boolean): Promise<void> {
    const routes = routeSummary(table);
    const key = JSON.stringify(routes);
    if (this.lastPublished === undefined) {
      const last = await this.store.last(this.subject);
      this.lastPublished = last?.event.type === 'RoutesApplied' ? JSON.stringify(last.event.data.routes) : '';
    }
    if (key === this.lastPublished) return;
    const event = makeEvent('RoutesApplied', this.subject, { domain: this.config.APP_DOMAIN, routes, reloaded });
    await this.store.append(this.subject, [event], ANY);
    this.lastPublished = key;
  }
}
