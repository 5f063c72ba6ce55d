import { Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { MASTER_LEASES_BUCKET, MasterLease, masterLeaseKey } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';

/** A lease entry as stored, with the revision a compare-and-set must name. `lease` null: not a valid MasterLease. */
export interface LeaseEntry {
  revision: number;
  lease: MasterLease | null;
}

/**
 * The `g:` masters' leases in the JetStream KV bucket `MASTER_LEASES_BUCKET` (history 1; created
 * when missing), one key per (app, component). Writes are conditional: `create` only when the key
 * holds nothing, `update` only over the revision the writer last saw (compare-and-set). Every read is
 * validated: an entry that is not a MasterLease is reported as such, never trusted.
 */
@Injectable()
export class MasterLeases {
  private bucket?: Promise<KV>;

  constructor(private readonly store: EventStore) {}

  private open(): Promise<KV> {
    this.bucket ??= this.store.openKv(MASTER_LEASES_BUCKET).catch((err) => {
      this.bucket = undefined; // retried on the next call
      throw err;
    });
    return this.bucket;
  }

  /** The current entry of the component's lease, or null when there is none (never written, or deleted). */
  async get(app: string, component: string): Promise<LeaseEntry | null> {
    const kv = await this.open();
    const e = await kv.get(masterLeaseKey(app, component));
    if (!e || e.operation !== 'PUT') return null;
    let lease: MasterLease | null;
    try {
      const parsed = MasterLease.safeParse(e.json());
      lease = parsed.success ? parsed.data : null;
    } catch {
      lease = null;
    }
    return { revision: e.revision, lease };
  }

  /** Writes the first lease of the key; fails if an entry exists. Returns the new revision. */
  async create(lease: MasterLease): Promise<number> {
    const kv = await this.open();
    return kv.create(masterLeaseKey(lease.app, lease.component), JSON.stringify(MasterLease.parse(lease)));
  }

  /** Compare-and-set: writes only if the key is still at `revision`. Returns the new revision. */
  async update(lease: MasterLease, revision: number): Promise<number> {
    const kv = await this.open();
    return kv.update(masterLeaseKey(lease.app, lease.component), JSON.stringify(MasterLease.parse(lease)), revision);
  }
}
