import { connect, NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { DomainEvent, EVENT_STREAM, EVENT_SUBJECTS, EventEnvelope, parseEvent } from '@fluxplane/contracts';
import { errorText } from '@fluxplane/observability';
import { ConcurrencyError, EventStoreError } from './errors';
import { ensureStream, isNotFound } from './stream';
import { AckPublisher, PublishAckError, PublishHeaders, type StoredAck } from './ack-publisher';
import { OwnEvents } from './own-events';
import type { KV, KvOptions } from '@nats-io/kv';
import { openBucket } from './kv-bucket';

export interface EventStoreOptions {
  servers: string | string[];
  stream?: string;
  subjects?: string[];
  duplicateWindowMs?: number;
  replicas?: number;
  /** Replicas of the KV buckets opened with `openKv` (default `replicas`). */
  kvReplicas?: number;
  /** Name the connection so operators can see who is who in `nats server report`. */
  connectionName?: string;
  /** More connection options: credentials and inbox prefix (`@fluxplane/bus-auth` busConnectOptions). */
  connectOptions?: Partial<NodeConnectionOptions>;
  /** Reuse an existing connection (the store then never closes it). */
  connection?: NatsConnection;
}

/** Append the first event on a subject that must not exist yet. */
export const NO_STREAM = 0;
/** Append without a concurrency check. */
export const ANY = 'any' as const;
export type ExpectedRevision = number | typeof ANY;

export interface AppendResult {
  /** Stream sequence of the last event appended: the subject's new revision. */
  revision: number;
  /** Events that JetStream had already stored under the same id (retried appends). */
  duplicates: number;
  /** Stream sequence of each event, in order. */
  seqs: number[];
}

export interface StreamRead {
  events: Array<{ seq: number; event: DomainEvent }>;
  /** Stream sequence of the subject's last event, or 0 when the subject is empty. */
  revision: number;
}

const WRONG_LAST_SEQUENCE = 10071;

/**
 * The event store on JetStream. One stream holds every event; each aggregate is one subject.
 * A subject's *revision* is the stream sequence of its last message (0 when it has none); appends
 * carry it in `Nats-Expected-Last-Subject-Sequence`, so two writers that decided from the same
 * state cannot both succeed, and every event's id goes in `Nats-Msg-Id`, so a retried append is
 * stored once.
 */
export class EventStore {
  /** Prefix of this connection's reply inboxes: hand-made inboxes must use it (bus permissions). */
  inboxPrefix = '_INBOX';
  /** Replicas of every KV bucket a service opens through `openKv` (3 on a NATS cluster of three). */
  kvReplicas = 1;
  private publisher?: AckPublisher;
  private ownEvents?: OwnEvents;

  /** Use EventStore.connect(). */
  constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly ownsConnection: boolean,
  ) {}

  static async connect(opts: EventStoreOptions): Promise<EventStore> {
    const nc = opts.connection ?? (await connect({ servers: opts.servers, name: opts.connectionName, maxReconnectAttempts: -1, ...opts.connectOptions }));
    const jsm = await jetstreamManager(nc);
    const stream = opts.stream ?? EVENT_STREAM;
    await ensureStream(jsm, {
      name: stream,
      subjects: opts.subjects ?? [EVENT_SUBJECTS],
      duplicateWindowMs: opts.duplicateWindowMs ?? 10 * 60_000,
      replicas: opts.replicas ?? 1,
    });
    const store = new EventStore(nc, jetstream(nc), jsm, stream, !opts.connection);
    if (opts.connectOptions?.inboxPrefix) store.inboxPrefix = opts.connectOptions.inboxPrefix;
    store.kvReplicas = opts.kvReplicas ?? opts.replicas ?? 1;
    return store;
  }

  /**
   * Appends events to one subject, in order. With a numeric expected revision the first event is
   * accepted only if the subject's last sequence is that number; each following event is chained to
   * the one before, so no other writer can interleave. Throws ConcurrencyError on a conflict.
   *
   * JetStream has no multi-message transaction on this server version: if the process dies in the
   * middle of a multi-event append, a prefix is stored. Callers that emit several events make them
   * individually valid (and idempotent by id), so retrying the whole append completes it.
   */
  async append(subject: string, events: EventEnvelope[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new EventStoreError('append needs at least one event');
    let revision = expected === ANY ? -1 : expected;
    let duplicates = 0;
    const seqs: number[] = [];
    for (const event of events) {
      if (event.subject !== subject) throw new EventStoreError(`event ${event.id} is for ${event.subject}, not ${subject}`);
      const ack = await this.publish(subject, event, revision);
      if (ack.duplicate) duplicates++;
      revision = ack.seq;
      seqs.push(ack.seq);
    }
    return { revision, duplicates, seqs };
  }

  /**
   * One JetStream publish, acknowledged: the same headers `js.publish` would send (message id,
   * expected last subject sequence), through the store's AckPublisher (see there why not `js.publish`).
   */
  private async publish(subject: string, event: EventEnvelope, expected: number): Promise<StoredAck> {
    const h = new PublishHeaders(expected >= 0
      ? [['Nats-Msg-Id', event.id], ['Fp-Event-Type', event.type], ['Nats-Expected-Last-Subject-Sequence', String(expected)]]
      : [['Nats-Msg-Id', event.id], ['Fp-Event-Type', event.type]]);
    // Created on first use: `inboxPrefix` is set after construction.
    this.publisher ??= new AckPublisher(this.nc, this.inboxPrefix);
    // The bytes the stream will store, encoded once here (Buffer.from is cheaper than the client's TextEncoder).
    const payload = Buffer.from(JSON.stringify(event));
    try {
      const ack = await this.publisher.publish(subject, payload, h);
      if (!ack.duplicate && ack.stream === this.stream) this.ownEvents?.remember(ack.seq);
      return ack;
    } catch (err) {
      if ((err instanceof PublishAckError && err.errCode === WRONG_LAST_SEQUENCE) || /wrong last sequence/i.test(errorText(err))) {
        throw new ConcurrencyError(subject, expected, errorText(err));
      }
      throw err;
    }
  }

  /**
   * From now on, remembers the digest of every event appended through this store, for a projection
   * of this process to recognise them when they come back (ProjectionRunner `trustOwnEvents`).
   */
  rememberOwnEvents(): OwnEvents {
    return (this.ownEvents ??= new OwnEvents());
  }

  /** The current revision of a subject without reading its events. */
  /**
   * A JetStream KV bucket of this deployment (created if missing) with the deployment's KV replicas:
   * every bucket a service uses is opened here, so one setting (KV_REPLICAS) covers them all. An
   * existing bucket is used as it is (its replicas change with `nats kv edit` or a re-creation).
   */
  openKv(name: string, opts: Partial<KvOptions> = {}): Promise<KV> {
    return openBucket(this.nc, name, { history: 1, replicas: this.kvReplicas, ...opts });
  }

  async revision(subject: string): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return m?.seq ?? 0;
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
  }

  /** The last event of a subject, or null. */
  async last(subject: string): Promise<{ seq: number; event: DomainEvent } | null> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return m ? { seq: m.seq, event: parseEvent(m.json()) } : null;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /**
   * Reads the events of one subject (an aggregate), validated, with the revision to append at.
   * `afterSeq` reads only the events stored after that stream sequence.
   */
  async readStream(subject: string, opts: { afterSeq?: number } = {}): Promise<StreamRead> {
    const revision = await this.revision(subject);
    const events: StreamRead['events'] = [];
    const after = opts.afterSeq ?? 0;
    if (revision === 0 || revision <= after) return { events, revision };
    const consumer = await this.js.consumers.get(this.stream, after > 0
      ? { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
      : { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
    const iter = await consumer.consume({ max_messages: 512 });
    try {
      for await (const m of iter) {
        events.push({ seq: m.seq, event: parseEvent(m.json()) });
        if (m.seq >= revision) break;
      }
    } finally {
      await iter.close();
    }
    return { events, revision };
  }

  /** Stream sequence of the newest event in the store (0 when empty). */
  async lastSequence(): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    return info.state.last_seq;
  }

  async close(): Promise<void> {
    this.publisher?.close();
    this.publisher = undefined;
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
  }
}

export function apiErrorCode(err: unknown): number | undefined {
  const e = err as { apiError?: () => { err_code?: number }; code?: unknown };
  if (typeof e?.apiError === 'function') return e.apiError()?.err_code;
  return undefined;
}
