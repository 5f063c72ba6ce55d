import { createInbox, headers, type Msg, type Subscription } from '@nats-io/transport-node';
import { EventEnvelope, Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore } from '@fluxplane/eventstore';
import { serialized } from './serialized';

/** Publishes in flight at once after the checked first one. */
const WINDOW = 2048;
/** No acknowledgement for this long: the append failed (it is completed from the outbox). */
const DEFAULT_ACK_TIMEOUT_MS = 15_000;
/** How often unacknowledged publishes are checked against their deadline. */
const SWEEP_EVERY_MS = 500;

interface Ack { seq: number; duplicate: boolean }

/** Events stored past the outbox's base revision that are not the outbox's: another writer. */
export class ForeignEventsError extends Error {
  override readonly name = 'ForeignEventsError';
}

/**
 * Appends the indexer's events to `evt.chain`, pipelined.
 *
 * Single-writer safety. JetStream can check a subject's last sequence only against a number known
 * when the message is sent, and the sequence of a pipelined message is only known once the one before
 * it is acknowledged. So only the FIRST event of a batch carries `Nats-Expected-Last-Subject-Sequence`
 * (= the revision after our previous batch), and it is awaited before the rest are sent: if another
 * writer appended to `evt.chain` since our last batch, that first append fails with a
 * ConcurrencyError and nothing of the batch is stored. The rest are sent without a check, many in
 * flight; another writer could only slip in between them if it had read our half-written batch and
 * appended at its exact revision, and a second indexer never does (it appends at the revision of ITS
 * cursor, which is behind ours, and fails). Every event keeps a deterministic id (`Nats-Msg-Id`), so
 * a retried or doubled publish is stored once. Running one indexer per event store remains a
 * deployment rule; the check turns a violation into an error instead of a corrupt stream.
 */
export class ChainAppender {
  private inbox?: { prefix: string; sub: Subscription };
  private readonly waiting = new Map<string, { resolve: (a: Ack) => void; reject: (e: Error) => void; deadline: number; event: EventEnvelope }>();
  private next = 0;
  private sweep?: NodeJS.Timeout;

  constructor(private readonly store: EventStore, private readonly ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS) {}

  close(): void {
    this.inbox?.sub.unsubscribe();
    this.inbox = undefined;
    this.stopSweep();
    for (const w of this.waiting.values()) w.reject(new Error('appender closed'));
    this.waiting.clear();
  }

  /** Appends `events` after `expected`; returns the new revision. */
  async append(events: ReadonlyArray<EventEnvelope>, expected: number): Promise<number> {
    if (events.length === 0) return expected;
    let revision = (await this.publish(events[0]!, expected)).seq;
    for (let i = 1; i < events.length; i += WINDOW) {
      const acks = await Promise.all(events.slice(i, i + WINDOW).map((e) => this.publish(e, -1)));
      for (const a of acks) revision = Math.max(revision, a.seq);
    }
    return revision;
  }

  /**
   * Completes an outbox after a crash or a failed append: the events stored after `base` must be the
   * outbox's (by id, in order); the missing ones are appended. A pipelined batch interrupted by a lost
   * connection can leave a gap (NATS resends its reconnect buffer after messages lost in the socket),
   * so a stored SUBSEQUENCE is accepted too, and the gaps are filled at the end: events then stand out
   * of block order, which is logged by the caller (`outOfOrder`); no event is lost or doubled.
   */
  async complete(outbox: ReadonlyArray<EventEnvelope>, base: number): Promise<{ revision: number; appended: number; outOfOrder: boolean }> {
    const stored = (await this.store.readStream(Subjects.chain(), { afterSeq: base })).events;
    const storedIds = new Set(stored.map((s) => s.event.id));
    let i = 0;
    for (const s of stored) {
      while (i < outbox.length && outbox[i]!.id !== s.event.id) i++;
      if (i === outbox.length) throw new ForeignEventsError(`event ${s.event.id} (${s.event.type}) at seq ${s.seq} on evt.chain is not the indexer's; manual repair needed`);
      i++;
    }
    const missing = outbox.filter((e) => !storedIds.has(e.id));
    const firstMissing = outbox.findIndex((e) => !storedIds.has(e.id));
    const outOfOrder = firstMissing >= 0 && outbox.slice(firstMissing).some((e) => storedIds.has(e.id));
    let revision = stored.length ? stored[stored.length - 1]!.seq : base;
    revision = await this.append(missing, revision);
    return { revision, appended: missing.length, outOfOrder };
  }

  /**
   * One JetStream publish: a core NATS publish whose reply subject is a token under one inbox
   * subscription, answered by the stream's acknowledgement. (The client's `js.publish` allocates a
   * request with its own timer and error objects per message, which costs more than the rest of the
   * indexing of a block.) Same headers as EventStore.append: message id, expected subject sequence.
   */
  private publish(event: EventEnvelope, expected: number): Promise<Ack> {
    const prefix = this.ensureInbox();
    const token = String(this.next++);
    const h = headers();
    h.set('Nats-Msg-Id', event.id);
    h.set('Fp-Event-Type', event.type);
    if (expected >= 0) h.set('Nats-Expected-Last-Subject-Sequence', String(expected));
    const ack = new Promise<Ack>((resolve, reject) => {
      // No timer per message (a resync publishes hundreds of thousands): the sweep expires them.
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + this.ackTimeoutMs, event });
      this.ensureSweep();
      try {
        this.store.nc.publish(Subjects.chain(), serialized(event), { reply: `${prefix}.${token}`, headers: h });
      } catch (err) {
        this.waiting.delete(token);
        reject(err as Error);
      }
    });
    if (expected < 0) return ack;
    return ack.catch((err: Error) => {
      if (/wrong last sequence/i.test(err.message)) throw new ConcurrencyError(Subjects.chain(), expected, err.message);
      throw err;
    });
  }

  /** Rejects the publishes that were not acknowledged in time; runs only while some are waiting. */
  private ensureSweep(): void {
    if (this.sweep) return;
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const [token, w] of this.waiting) {
        if (w.deadline > now) continue;
        this.waiting.delete(token);
        w.reject(new Error(`no acknowledgement for ${w.event.type} ${w.event.id} within ${this.ackTimeoutMs} ms`));
      }
      if (this.waiting.size === 0) this.stopSweep();
    }, Math.min(SWEEP_EVERY_MS, this.ackTimeoutMs));
    this.sweep.unref();
  }

  private stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private ensureInbox(): string {
    if (this.inbox) return this.inbox.prefix;
    const prefix = createInbox(this.store.inboxPrefix);
    const sub = this.store.nc.subscribe(`${prefix}.*`, { callback: (_err, msg) => this.onAck(prefix, msg) });
    this.inbox = { prefix, sub };
    return prefix;
  }

  private onAck(prefix: string, msg: Msg): void {
    const token = msg.subject.slice(prefix.length + 1);
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    if (msg.headers?.hasError) {
      w.reject(new Error(`JetStream: ${msg.headers.code} ${msg.headers.description}`)); // e.g. 503 no responders
      return;
    }
    try {
      const ack = msg.json<{ seq?: number; duplicate?: boolean; error?: { code: number; err_code?: number; description: string } }>();
      if (ack.error) w.reject(new Error(`${ack.error.description} (${ack.error.err_code ?? ack.error.code})`));
      else if (typeof ack.seq === 'number') w.resolve({ seq: ack.seq, duplicate: Boolean(ack.duplicate) });
      else w.reject(new Error('malformed JetStream acknowledgement'));
    } catch (err) {
      w.reject(err as Error);
    }
  }
}
