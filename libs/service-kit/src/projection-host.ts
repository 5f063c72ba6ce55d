import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { EventStore, KvLease, Projection, ProjectionRunner, ProjectionRunnerOptions } from '@fluxplane/eventstore';
import { Notifications, PROJECTION_LEASES_BUCKET, type ProjectionChanged } from '@fluxplane/contracts';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from './tokens';
import type { BaseConfig } from './config';
import { DATABASE_SCHEMA } from './database';
import type { ProjectionPosition } from './reconcile/projection-position';

/**
 * Owns a service's projection runners: services register projections while being constructed; the
 * host starts them once the app is up and stops them first on shutdown.
 */
@Injectable()
export class ProjectionHost implements ProjectionPosition {
  private readonly runners: ProjectionRunner[] = [];
  private started = false;
  private leaseBucket?: Promise<KV>;
  private holder?: string;
  private readonly leases = new Map<string, KvLease>();

  constructor(
    @Inject(CONFIG) private readonly config: BaseConfig,
    private readonly store: EventStore,
    @Optional() @Inject(DataSource) private readonly db: DataSource | undefined,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DATABASE_SCHEMA) private readonly schema?: string,
  ) {}

  register(projection: Projection, opts: Partial<ProjectionRunnerOptions> = {}): ProjectionRunner {
    if (!this.db || !this.schema) throw new Error('projections need a database: pass `database` to ServiceKitModule.forRoot');
    const logger = this.logger.child({ projection: projection.name });
    const notify = this.config.PROJECTION_NOTIFY ? changeNotifier(this.store, this.schema, projection.name) : () => undefined;
    const onApplied = opts.onApplied;
    const runner = new ProjectionRunner(this.store, this.db, projection, {
      schema: this.schema,
      logger,
      ...(this.config.PROJECTION_LEASE_MS > 0 ? { lease: this.lease(`${this.schema}.${projection.name}`, logger) } : {}),
      ...opts,
      onApplied: (event, seq) => {
        notify(seq);
        onApplied?.(event, seq);
      },
    });
    this.runners.push(runner);
    if (this.started) void runner.start();
    return runner;
  }

  /**
   * A lease of this replica in the bucket `fluxplane_projection_leases`, named `key`: one active
   * runner per projection among the service's replicas, and any other work only one replica may do
   * (the chain indexer's ingest loop). Undefined when PROJECTION_LEASE_MS is 0 (one process per service).
   */
  lease(key: string, logger: Logger = this.logger): KvLease | undefined {
    if (this.config.PROJECTION_LEASE_MS <= 0) return undefined;
    this.holder ??= this.config.PROJECTION_LEASE_HOLDER ?? (this.config.HTTP_PORT > 0
      ? `${hostname()}:${this.config.HTTP_PORT}` // stable: a restarted replica takes its own leases back at once
      : `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`); // a random port: distinct per process and per host instance
    const holder = this.holder;
    const lease = new KvLease(() => (this.leaseBucket ??= this.store.openKv(PROJECTION_LEASES_BUCKET).catch((err: unknown) => { this.leaseBucket = undefined; throw err; })), key, {
      holder, ttlMs: this.config.PROJECTION_LEASE_MS, logger,
    });
    this.track(key, lease);
    return lease;
  }

  /** Lists a lease made elsewhere (the scheduler's leader lease) among this replica's leases. */
  track(key: string, lease: KvLease): void {
    this.leases.set(key, lease);
  }

  /** Which leases this replica holds, by key (for /health and /projections: which replica is active). */
  heldLeases(): Record<string, { held: boolean; term: number; holder: string | null }> {
    return Object.fromEntries([...this.leases].map(([k, l]) => [k, { held: l.held, term: l.term, holder: l.lastSeen?.holder ?? null }]));
  }

  get all(): readonly ProjectionRunner[] {
    return this.runners;
  }

  async startAll(): Promise<void> {
    this.started = true;
    for (const r of this.runners) {
      if (this.config.REBUILD_PROJECTIONS) {
        this.logger.warn({ projection: r.projection.name }, 'rebuilding projection from sequence 1 (REBUILD_PROJECTIONS)');
        await r.rebuild();
      } else {
        await r.start();
      }
    }
  }

  async stopAll(): Promise<void> {
    for (const r of this.runners) await r.stop();
  }

  /** Waits until every projection has handled every event up to stream sequence `seq`. */
  async waitFor(seq: number, timeoutMs = 30_000): Promise<void> {
    for (const r of this.runners) await r.waitFor(seq, timeoutMs);
  }

  /** Waits until every projection has handled everything stored so far. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    for (const r of this.runners) await r.catchUp(timeoutMs);
  }
}

/** Quiet time between two change notifications of one projection (a burst of events is one or two). */
export const CHANGE_NOTIFY_INTERVAL_MS = 20;

/**
 * Publishes `Notifications.projectionChanged` after an applied event: at once when none went out in
 * the last interval, else once at the end of it with the latest sequence (leading and trailing edge),
 * so readers learn of every change within the interval without a message per event.
 */
function changeNotifier(store: EventStore, schema: string, projection: string): (seq: number) => void {
  const subject = Notifications.projectionChanged(schema, projection);
  let lastSent = 0;
  let latest = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    timer = undefined;
    lastSent = Date.now();
    if (store.nc.isClosed()) return;
    const body: ProjectionChanged = { schema, projection, seq: latest };
    try {
      store.nc.publish(subject, JSON.stringify(body));
    } catch {
      // Lossy by design: readers also refresh on reconnect and periodically.
    }
  };
  return (seq: number) => {
    latest = Math.max(latest, seq);
    if (timer) return;
    const wait = lastSent + CHANGE_NOTIFY_INTERVAL_MS - Date.now();
    if (wait <= 0) send();
    else {
      timer = setTimeout(send, wait);
      timer.unref();
    }
  };
}
