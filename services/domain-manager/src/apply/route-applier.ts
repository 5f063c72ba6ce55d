import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ANY, EventStore, ProjectionRunner } from '@fluxplane/eventstore';
import { CONFIG, HealthRegistry, LOGGER, ProjectionHost, type Logger } from '@fluxplane/service-kit';
import type { DomainManagerConfig } from '../config';
import { desiredRoutes } from '../domain/desired-routes';
import { routeSummary, type RouteTable } from '../domain/route-table';
import { PROXY_ADAPTER, type ApplyMethod, type ProxyAdapter } from '../adapters/proxy-adapter';
import { RoutingProjection } from '../projections/routing.projection';
import { RoutingStateReader } from '../projections/routing-state.reader';
import { Coalescer } from './coalescer';
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
 * restarted HAProxy only delays convergence. Triggered by projection changes (coalesced), retried
 * with backoff after a failure, and resynced against the live proxy periodically.
 */
@Injectable()
export class RouteApplier implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly coalescer: Coalescer;
  private runner?: ProjectionRunner;
  private ready = false;
  private verifyNext = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  /** JSON of the routes in the last RoutesApplied on our subject; undefined = not read yet. */
  private lastPublished?: string;
  private readonly subject: string;
  last?: AppliedRoutes;

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
    this.coalescer = new Coalescer(() => this.run(), config.APPLY_DEBOUNCE_MS);
    health.register('haproxy', () => proxy.ping());
  }

  onModuleInit(): void {
    this.runner = this.projections.register(this.projection, {
      // After the commit: the state the applier reads includes this event.
      afterCommit: () => {
        if (this.projection.takeDirty() && this.ready) this.coalescer.trigger();
      },
    });
  }

  onApplicationBootstrap(): void {
    // Apply only once the projection has caught up: applying a half-replayed state would take
    // live routes away and put them back moments later.
    void (async () => {
      await this.runner?.catchUp(5 * 60_000).catch((err) => this.logger.warn({ err: String(err) }, 'projection catch-up is slow; applying anyway'));
      this.ready = true;
      this.coalescer.trigger();
      if (this.config.RESYNC_INTERVAL_MS > 0) {
        this.resyncTimer = setInterval(() => this.resync(), this.config.RESYNC_INTERVAL_MS);
        this.resyncTimer.unref();
      }
    })();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.ready = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.coalescer.stop();
  }

  /** Asks for a check of the live proxy against the applied routes on the next run. */
  resync(): void {
    this.verifyNext = true;
    this.coalescer.trigger();
  }

  /** True when nothing is scheduled, running or waiting for a retry (tests, readiness). */
  get settled(): boolean {
    return this.ready && !this.coalescer.busy && this.retryTimer === undefined;
  }

  private async run(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const started = performance.now();
    const verify = this.verifyNext;
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
      this.failures = 0;
      if (result.pending) this.schedule(1000);
    } catch (err) {
      routingMetrics.applyFailures.inc();
      this.failures++;
      const delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.logger.error({ err: String((err as Error)?.message ?? err), retryInMs: delay }, 'applying routes failed');
      this.verifyNext = true; // after a failure nothing about the live state is certain
      this.schedule(delay);
    }
  }

  private schedule(delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.coalescer.trigger();
    }, delayMs);
    this.retryTimer.unref();
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
