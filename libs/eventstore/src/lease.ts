import type { KV, KvEntry } from '@nats-io/kv';
import { openBucket } from './kv-bucket';
import type { NatsConnection } from '@nats-io/transport-node';
import { PROJECTION_LEASES_BUCKET } from '@fluxplane/contracts';
import { errorText } from '@fluxplane/observability';
import { activeUntil, decideLease, parseLeaseRecord, type LeaseRecord, type LeaseSeen } from './lease-decision';

/**
 * One holder at a time among the replicas of a service: the small interface the projection runner,
 * the scheduler's leader and the chain indexer's ingest loop need. `held` is true from a successful
 * acquire until the holder loses or releases it (or, by its own clock, fails to renew it in time);
 * `onChange` tells the owner both.
 */
export interface Lease {
  readonly held: boolean;
  /** The term of the lease while held (a fencing token that grows with every change of holder), else 0. */
  readonly term: number;
  /** Tries once to acquire (or renew) the lease now; answers whether it is held. */
  tryAcquire(): Promise<boolean>;
  /** Keeps trying to acquire while not held, renews while held; calls `onChange` on every change. */
  start(onChange: (held: boolean) => void): void;
  /** Stops renewing and releases the lease if held, so another replica takes it at once. */
  stop(): Promise<void>;
}

export interface LeaseLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface KvLeaseOptions {
  /** Who holds it: stable across restarts of one replica (hostname + port), distinct between replicas. */
  holder: string;
  /** A holder that has not renewed for this long has lost it; another replica may take over. */
  ttlMs: number;
  /** Waited beyond a silent holder's lease before taking over (default 0). */
  marginMs?: number;
  /** Renewal and retry period (default ttlMs / 3). */
  renewEveryMs?: number;
  logger?: LeaseLogger;
}

const now = () => performance.now();
const CAS_LOST = /wrong last sequence|key exists/i;

/**
 * A lease in one JetStream KV entry, taken and renewed with compare-and-set on the entry's revision
 * (the rules are the pure `decideLease`): of several contenders writing from one revision, one wins.
 * A holder counts itself out `ttlMs` after the start of its last successful write, by its own clock;
 * a contender takes over only once it has seen the same revision unchanged for the lease (+ margin),
 * by its own clock, or at once when the holder released it at shutdown. A restarted replica with the
 * same `holder` takes its own lease back at once. Every change of holder raises the term.
 */
export class KvLease implements Lease {
  private seen: LeaseSeen = { lease: null, revision: -1, seenAt: 0 };
  private revision = 0;
  private heldTerm = 0;
  private until = 0;
  private timer?: NodeJS.Timeout;
  private running = false;
  private isHeld = false;
  private onChange: (held: boolean) => void = () => undefined;
  private busy?: Promise<boolean>;
  private kvReady?: Promise<KV>;

  /** `bucket` may be opened lazily (`() => KvLease.openBucket(nc)`), on the first attempt. */
  constructor(private readonly bucket: KV | (() => Promise<KV>), readonly key: string, private readonly opts: KvLeaseOptions) {}

  private kv(): Promise<KV> {
    if (typeof this.bucket !== 'function') return Promise.resolve(this.bucket);
    this.kvReady ??= this.bucket().catch((err: unknown) => { this.kvReady = undefined; throw err; });
    return this.kvReady;
  }

  /**
   * A bucket of leases (created if missing; default the projection leases'). On a cluster give it
   * the deployment's KV replicas: with the bucket on one lost server, no holder could renew and
   * every lease holder would stand still.
   */
  static async openBucket(nc: NatsConnection, name = PROJECTION_LEASES_BUCKET, replicas = 1): Promise<KV> {
    return openBucket(nc, name, { history: 1, replicas });
  }

  get held(): boolean {
    if (this.isHeld && now() >= this.until) this.lose('not renewed within the lease');
    return this.isHeld;
  }

  get term(): number {
    return this.held ? this.heldTerm : 0;
  }

  get holder(): string {
    return this.opts.holder;
  }

  /** The record as last seen in the bucket (who holds it, which term): for /health and tests. */
  get lastSeen(): LeaseRecord | null {
    return this.seen.lease;
  }

  tryAcquire(): Promise<boolean> {
    // one attempt at a time: the timer and an explicit call never race on the revision
    this.busy ??= this.attempt().finally(() => { this.busy = undefined; });
    return this.busy;
  }

  start(onChange: (held: boolean) => void): void {
    this.onChange = onChange;
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      if (!this.running) return;
      await this.tryAcquire().catch(() => false);
      if (this.running) this.timer = setTimeout(() => void tick(), this.opts.renewEveryMs ?? Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.busy?.catch(() => undefined);
    if (!this.isHeld) return;
    this.isHeld = false;
    const term = this.heldTerm;
    this.heldTerm = 0;
    try {
      // Released only if still ours (compare-and-set on our revision), keeping the term so the next
      // holder's is higher.
      await (await this.kv()).update(this.key, this.record(term, true), this.revision);
      this.opts.logger?.info({ key: this.key, term }, 'lease released');
    } catch (err) {
      this.opts.logger?.warn({ key: this.key, err: errorText(err) }, 'could not release the lease; another replica takes over when it lapses');
    }
  }

  private record(term: number, released = false): string {
    const r: LeaseRecord = { holder: this.opts.holder, term, leaseMs: this.opts.ttlMs, renewedAt: new Date().toISOString(), ...(released ? { released } : {}) };
    return JSON.stringify(r);
  }

  private async attempt(): Promise<boolean> {
    let entry: KvEntry | null;
    let kv: KV;
    try {
      kv = await this.kv();
      entry = await kv.get(this.key);
    } catch (err) {
      this.opts.logger?.warn({ key: this.key, err: errorText(err) }, 'lease: cannot read the entry');
      return this.held;
    }
    const revision = entry?.revision ?? 0;
    if (revision !== this.seen.revision) {
      this.seen = { lease: entry && entry.operation === 'PUT' ? parseLeaseRecord(entry.string()) : null, revision, seenAt: now() };
    }
    const d = decideLease(this.opts.holder, this.seen, now(), { leaseMs: this.opts.ttlMs, marginMs: this.opts.marginMs ?? 0 });
    if (d.kind === 'wait') {
      if (this.isHeld) this.lose(`${d.holder} holds term ${d.term}`);
      return false;
    }
    if (d.kind === 'acquire' && this.isHeld) this.lose(d.reason);
    const sentAt = now();
    try {
      this.revision = d.revision === 0 ? await kv.create(this.key, this.record(d.term)) : await kv.update(this.key, this.record(d.term), d.revision);
    } catch (err) {
      // a compare-and-set lost to another replica (or the bus is away): not ours, or not renewed
      if (CAS_LOST.test(errorText(err))) {
        if (this.isHeld) this.lose('the lease entry moved under a renewal');
      } else {
        this.opts.logger?.warn({ key: this.key, err: errorText(err) }, 'lease: acquire or renew failed');
      }
      return this.held;
    }
    this.seen = { lease: { holder: this.opts.holder, term: d.term, leaseMs: this.opts.ttlMs, renewedAt: new Date().toISOString() }, revision: this.revision, seenAt: now() };
    this.until = activeUntil(sentAt, this.opts.ttlMs);
    this.heldTerm = d.term;
    if (!this.isHeld) {
      this.isHeld = true;
      if (d.kind === 'acquire') this.opts.logger?.info({ key: this.key, term: d.term, reason: d.reason }, 'lease acquired');
      this.onChange(true);
    }
    return true;
  }

  private lose(why: string): void {
    if (!this.isHeld) return;
    this.isHeld = false;
    this.opts.logger?.warn({ key: this.key, term: this.heldTerm, why }, 'lease lost');
    this.heldTerm = 0;
    this.onChange(false);
  }
}
