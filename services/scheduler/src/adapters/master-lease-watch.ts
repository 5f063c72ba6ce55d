import { Inject, Injectable } from '@nestjs/common';
import type { KV, KvEntry } from '@nats-io/kv';
import { MASTER_LEASES_BUCKET, MasterLease } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { counter, errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import type { LeaseSeen } from '../domain';

const entries = counter({ name: 'fluxplane_scheduler_master_lease_entries_total', help: 'Master lease KV entries seen by the elector', labelNames: ['kind'] });

/**
 * The masters' leases as the elector sees them: a watch on the `MASTER_LEASES_BUCKET` KV, keeping
 * per key the last entry and WHEN THIS PROCESS SAW IT (its own clock): the election waits lease +
 * margin from then. An entry deleted or purged by its holder counts as released (the holder stopped
 * its component before giving the lease up). A malformed entry is ignored.
 */
@Injectable()
export class MasterLeaseWatch {
  private readonly leases = new Map<string, LeaseSeen & { app: string }>();
  private readonly listeners: Array<(appKey: string) => void> = [];
  private stopWatch?: () => void;
  private kv?: KV;

  constructor(private readonly store: EventStore, @Inject(LOGGER) private readonly logger: Logger) {}

  onChange(listener: (appKey: string) => void): void {
    this.listeners.push(listener);
  }

  /** The last entry seen for a key (`masterLeaseKey(app, component)`); null: none. */
  get(key: string): LeaseSeen | null {
    const l = this.leases.get(key);
    return l ? { nodeId: l.nodeId, term: l.term, leaseMs: l.leaseMs, released: l.released, seenAt: l.seenAt } : null;
  }

  /**
   * Opens the bucket (creating it if no agent did yet; `create` opens an existing bucket as it is)
   * and follows it: the current entries first, then every change. Deciding before the current
   * entries arrived is safe: a term this process has not seen before counts from when it first saw it.
   */
  async start(): Promise<void> {
    const kv = await this.bucket();
    const it = await kv.watch();
    this.stopWatch = () => it.stop();
    void (async () => {
      for await (const e of it) this.seen(e);
    })().catch((err: unknown) => this.logger.warn({ err: errorText(err) }, 'master lease watch ended'));
  }

  /**
   * Takes the lease for a new term before its MasterElected is appended: a compare-and-set over the
   * entry as it is now, so a renewal the old master sends late (partitioned, then back) fails its own
   * compare-and-set and it fences itself, instead of stretching a lease the election already outwaited.
   * False when the entry moved meanwhile (the old master renewed after all): decide again.
   */
  async claim(lease: MasterLease, key: string, orphanAfterMs: number): Promise<boolean> {
    const kv = await this.bucket();
    const value = JSON.stringify(MasterLease.parse(lease));
    try {
      const current = await kv.get(key);
      const held = current?.operation === 'PUT' ? MasterLease.safeParse(current.json()) : undefined;
      if (held?.success && held.data.term >= lease.term) {
        // Already claimed for this term: by this same decision (a retry) — go on; by another elector
        // deciding otherwise — let it append first. A claim whose elector died before appending is
        // taken over once nobody renewed it for a whole lease + margin.
        if (held.data.term === lease.term && held.data.nodeId === lease.nodeId) return true;
        const seen = this.leases.get(key)?.seenAt ?? Date.now();
        if (Date.now() - seen < orphanAfterMs) return false;
      }
      // A deleted entry keeps its revision: update over it too; only a key never written is created.
      if (current) await kv.update(key, value, current.revision);
      else await kv.create(key, value);
      return true;
    } catch (err) {
      this.logger.info({ key, err: errorText(err) }, 'master lease moved while claiming it for a new term');
      return false;
    }
  }

  /** The bucket, opened once (created if no agent did yet; `create` opens an existing bucket as it is). */
  private async bucket(): Promise<KV> {
    this.kv ??= await this.store.openKv(MASTER_LEASES_BUCKET);
    return this.kv;
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  /** Records an entry (the watch's handler; public for tests). */
  seen(e: Pick<KvEntry, 'key' | 'operation' | 'json'>, seenAt = Date.now()): void {
    if (e.operation !== 'PUT') {
      const prev = this.leases.get(e.key);
      if (!prev) return;
      entries.inc({ kind: 'released' });
      this.leases.set(e.key, { ...prev, released: true, seenAt });
      this.notify(prev.app);
      return;
    }
    let lease: MasterLease;
    try {
      lease = MasterLease.parse(e.json());
    } catch (err) {
      entries.inc({ kind: 'malformed' });
      this.logger.warn({ key: e.key, err: errorText(err) }, 'ignored a malformed master lease');
      return;
    }
    entries.inc({ kind: 'renewed' });
    this.leases.set(e.key, { app: lease.app, nodeId: lease.nodeId, term: lease.term, leaseMs: lease.leaseMs, released: false, seenAt });
    this.notify(lease.app);
  }

  private notify(app: string): void {
    for (const l of this.listeners) l(app.toLowerCase());
  }
}
