import { JetStreamManager, RetentionPolicy, StorageType, DiscardPolicy, StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { EventStoreError } from './errors';

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long JetStream remembers a Nats-Msg-Id for de-duplication. */
  duplicateWindowMs: number;
  /** 1 on a single server; 3 in a cluster of three (`EVENT_STREAM_REPLICAS`). An existing stream with fewer is scaled up. */
  replicas: number;
}

/**
 * Creates the event stream if it does not exist, or checks that an existing one is compatible.
 * Events are the source of truth, so the stream must be file-backed and keep everything (limits
 * retention with no limits), never drop new messages silently.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    num_replicas: spec.replicas,
    duplicate_window: nanos(spec.duplicateWindowMs),
    allow_direct: true,
  };
  let existing = await streamInfo(jsm, spec.name);
  if (!existing) {
    try {
      await jsm.streams.add(wanted);
      return;
    } catch (err) {
      // Services starting together on a new NATS all find no stream and all add it: the server may
      // refuse a second add while the first is being created ("subjects overlap with an existing
      // stream"). If the stream exists now, it is checked like any existing one; otherwise the error stands.
      existing = await streamInfo(jsm, spec.name);
      if (!existing) throw err;
    }
  }
  const cfg = existing.config;
  if (cfg.storage !== StorageType.File) {
    throw new EventStoreError(`stream ${spec.name} exists with ${cfg.storage} storage; the event store needs file storage`);
  }
  // A stream that deletes messages (by age, count, size, or once consumed) loses the source of truth,
  // and every later rebuild diverges: refuse it rather than use it.
  if (cfg.retention !== RetentionPolicy.Limits) {
    throw new EventStoreError(`stream ${spec.name} exists with ${cfg.retention} retention; the event store needs limits retention`);
  }
  const limits = { max_age: cfg.max_age, max_msgs: cfg.max_msgs, max_bytes: cfg.max_bytes, max_msgs_per_subject: cfg.max_msgs_per_subject };
  for (const [key, value] of Object.entries(limits)) {
    if (value !== undefined && value > 0) throw new EventStoreError(`stream ${spec.name} exists with ${key} ${value}; the event store keeps every event (no limits)`);
  }
  const missing = spec.subjects.filter((s) => !cfg.subjects?.includes(s));
  // Replicas only grow here (a cluster outgrew R1: JetStream copies the stream to the new peers);
  // lowering them is an operator's decision (`nats stream edit --replicas`), never a side effect of
  // one process started with an old setting.
  const replicas = Math.max(cfg.num_replicas ?? 1, spec.replicas);
  if (missing.length > 0 || cfg.duplicate_window !== wanted.duplicate_window || replicas !== (cfg.num_replicas ?? 1)) {
    await jsm.streams.update(spec.name, {
      ...cfg,
      subjects: [...new Set([...(cfg.subjects ?? []), ...spec.subjects])],
      duplicate_window: wanted.duplicate_window,
      num_replicas: replicas,
    });
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return undefined;
  }
}

export function isNotFound(err: unknown): boolean {
  const e = err as { code?: number | string; message?: string; apiError?: () => { err_code?: number } };
  const code = typeof e?.apiError === 'function' ? e.apiError()?.err_code : undefined;
  return code === 10059 || code === 10014 || code === 10037 || /not found/i.test(String(e?.message ?? ''));
}
