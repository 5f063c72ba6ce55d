import { Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { SYNC_DEVICES_BUCKET, SyncDeviceRecord, syncDeviceKey } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';

/** A node's key in the devices bucket (escaped: KV keys allow fewer characters than node ids). */
export const deviceKey = syncDeviceKey;

/**
 * The nodes' Syncthing devices, in a JetStream KV bucket (`SYNC_DEVICES_BUCKET`, one key per node,
 * last value only): each agent writes its own device id and listen address at start; every agent
 * reads the others'. Durable, so it survives agent restarts and a node that joins later reads
 * everyone's. Entries that fail validation are skipped (and counted by the caller), never trusted.
 */
@Injectable()
export class DeviceDirectory {
  private bucket?: Promise<KV>;
  private stopWatch?: () => void;

  constructor(private readonly store: EventStore) {}

  private open(): Promise<KV> {
    this.bucket ??= this.store.openKv(SYNC_DEVICES_BUCKET).catch((err) => {
      this.bucket = undefined; // retried on the next call
      throw err;
    });
    return this.bucket;
  }

  async publish(record: SyncDeviceRecord): Promise<void> {
    const kv = await this.open();
    await kv.put(deviceKey(record.nodeId), JSON.stringify(SyncDeviceRecord.parse(record)));
  }

  /** Every valid record by node id, plus the keys whose value was not one. */
  async all(): Promise<{ devices: Map<string, SyncDeviceRecord>; invalid: string[] }> {
    const kv = await this.open();
    const devices = new Map<string, SyncDeviceRecord>();
    const invalid: string[] = [];
    for await (const key of await kv.keys()) {
      const e = await kv.get(key);
      if (!e || e.operation !== 'PUT') continue;
      let parsed: ReturnType<typeof SyncDeviceRecord.safeParse>;
      try {
        parsed = SyncDeviceRecord.safeParse(e.json());
      } catch {
        invalid.push(key);
        continue;
      }
      if (parsed.success && deviceKey(parsed.data.nodeId) === key) devices.set(parsed.data.nodeId, parsed.data);
      else invalid.push(key);
    }
    return { devices, invalid };
  }

  /** Calls `onChange` whenever a node's record is written or deleted (updates only). */
  async watch(onChange: () => void): Promise<void> {
    const kv = await this.open();
    const it = await kv.watch({ include: 'updates' });
    this.stopWatch = () => it.stop();
    void (async () => {
      for await (const _ of it) onChange();
    })().catch(() => undefined);
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }
}
