import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ANY, EventStore } from '@fluxplane/eventstore';
import { CONFIG, errorText, HealthRegistry, LOGGER, ProjectionHost, ReconcileLoop, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import type { DomainManagerConfig } from '../config';
import { dnsTargets } from '../dns-config';
import { desiredRoutes } from '../domain/desired-routes';
import { desiredDnsRecords, type DnsRecordSet, type DnsSettings } from '../domain/dns-records';
import { planDns, type ZoneChanges } from '../domain/dns-plan';
import { DNS_PROVIDER, type DnsProvider } from '../adapters/dns-provider';
import { RoutingProjection } from '../projections/routing.projection';
import { RoutingStateReader } from '../projections/routing-state.reader';
import { dnsMetrics } from './dns-metrics';

/** Key of the DNS lease in the bucket fluxplane_projection_leases. */
const DNS_LEASE_KEY = 'domain-manager.dns';

export interface AppliedDns {
  at: Date;
  durationMs: number;
  changes: ZoneChanges[];
}

/**
 * The DNS effect loop: projected state → the routes' hosts → desired rrsets per zone → the
 * provider's records (only those fluxplane marked) → one batch per zone with changes →
 * DnsRecordsApplied. Like the route applier it reconciles the whole state on each run, so a missed
 * trigger or a provider outage only delays convergence; failures are retried with backoff and the
 * periodic pass repairs drift (a record deleted by hand comes back).
 */
@Injectable()
export class DnsApplier implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ReconcileLoop;
  private readonly settings: DnsSettings;
  private readonly subject: string;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  last?: AppliedDns;
  /** With replicas (PROJECTION_LEASE_MS > 0), one applies the network's records: lease `domain-manager.dns`. */
  private readonly lease;

  constructor(
    @Inject(CONFIG) private readonly config: DomainManagerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(DNS_PROVIDER) private readonly provider: DnsProvider,
    private readonly store: EventStore,
    private readonly reader: RoutingStateReader,
    private readonly projection: RoutingProjection,
    projections: ProjectionHost,
    health: HealthRegistry,
  ) {
    this.subject = Subjects.dns(config.APP_DOMAIN);
    this.settings = { domain: config.APP_DOMAIN, targets: dnsTargets(config), ttl: config.DNS_TTL, customZones: config.DNS_CUSTOM_ZONES };
    this.loop = new ReconcileLoop({
      name: 'dns',
      work: () => this.run(),
      debounceMs: config.APPLY_DEBOUNCE_MS,
      intervalMs: config.DNS_RESYNC_INTERVAL_MS,
      projections,
      // A half-replayed state would delete the records of apps not replayed yet.
      catchUpAtStart: { timeoutMs: 5 * 60_000, strict: true },
      logger,
    });
    health.register('dns', () => provider.ping());
    this.lease = projections.lease(DNS_LEASE_KEY, logger.child({ lease: DNS_LEASE_KEY }));
  }

  onModuleInit(): void {
    this.projection.onChange((seq) => this.loop.trigger(SINGLE_KEY, { seq }));
  }

  onApplicationBootstrap(): void {
    this.lease?.start((held) => {
      this.logger.info({ held, term: this.lease?.term }, held ? 'dns lease acquired: applying records' : 'dns lease lost: standing by');
      if (held) this.loop.trigger(SINGLE_KEY);
    });
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.loop.stop();
    await this.lease?.stop();
  }

  get providerName(): string {
    return this.provider.name;
  }

  /** True when nothing is scheduled, running or waiting for a retry (tests, readiness). */
  get settled(): boolean {
    return this.loop.started && !this.loop.busy && this.retryTimer === undefined;
  }

  private async run(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.lease && !this.lease.held) return;
    const started = performance.now();
    try {
      const routes = desiredRoutes(await this.reader.load(), this.config.APP_DOMAIN);
      const desired = desiredDnsRecords(routes, this.settings);
      const actual = new Map<string, DnsRecordSet[]>();
      for (const { zone } of desired) {
        await this.provider.ensureZone(zone);
        actual.set(zone, await this.provider.records(zone));
      }
      const changes = planDns(desired, actual);
      for (const zone of changes) {
        await this.provider.apply(zone);
        dnsMetrics.batches.inc();
        dnsMetrics.changes.inc({ change: 'upsert' }, zone.upserts.length);
        dnsMetrics.changes.inc({ change: 'delete' }, zone.deletes.length);
      }
      const durationMs = performance.now() - started;
      dnsMetrics.applyDuration.observe(durationMs / 1000);
      this.failures = 0;
      if (changes.length === 0) return;
      this.last = { at: new Date(), durationMs, changes };
      this.logger.info({
        provider: this.provider.name, durationMs: Math.round(durationMs * 10) / 10,
        zones: changes.map((c) => ({ zone: c.zone, upserts: c.upserts.length, deletes: c.deletes.length })),
      }, 'dns records applied');
      const event = makeEvent('DnsRecordsApplied', this.subject, {
        domain: this.config.APP_DOMAIN,
        provider: this.provider.name,
        zones: changes.map((c) => ({ zone: c.zone, upserted: c.upserts, deleted: c.deletes })),
      });
      await this.store.append(this.subject, [event], ANY);
    } catch (err) {
      dnsMetrics.applyFailures.inc();
      this.failures++;
      const delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.logger.error({ err: errorText(err), provider: this.provider.name, retryInMs: delay }, 'applying dns records failed');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.loop.trigger(SINGLE_KEY);
      }, delay);
      this.retryTimer.unref();
    }
  }
}
