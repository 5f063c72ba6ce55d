import type { DataSource, EntityManager } from 'typeorm';
import { AckPolicy, Consumer, ConsumerMessages, DeliverPolicy, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ContractError, DomainEvent, parseEvent } from '@fluxplane/contracts';
import type { EventStore } from './event-store';
import type { Projection } from './projection';
import { CheckpointStore } from './checkpoints';
import { isNotFound } from './stream';
import { projectionMetrics } from './metrics';

export interface RunnerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ProjectionRunnerOptions {
  /** Postgres schema of the owning service; holds checkpoints and parked events. */
  schema: string;
  /** Attempts before an event is parked. */
  maxAttempts?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  batchSize?: number;
  ackWaitMs?: number;
  logger?: RunnerLogger;
  /** Called after an event was applied and acked: lets a service react to its read model changing. */
  onApplied?: (event: DomainEvent, seq: number) => void;
  /** Test seam: runs after the transaction committed and before the ack. */
  afterCommit?: (seq: number) => Promise<void> | void;
}

type Outcome = 'applied' | 'skipped' | 'parked';
interface Handled { outcome: Outcome; event?: DomainEvent }

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Feeds one projection from a durable JetStream consumer. Each event is applied and the checkpoint
 * moved in ONE Postgres transaction, then the message is acked. A crash after the commit and before
 * the ack leads to a redelivery that the checkpoint turns into a no-op: exactly-once effect.
 *
 * The checkpoint in Postgres is the truth, not the consumer's ack floor: at start the consumer is
 * recreated at checkpoint + 1. Keeping an old consumer would let it deliver newer events before
 * redelivering the in-flight ones of a crashed run, and the checkpoint would then skip those.
 */
export class ProjectionRunner {
  private readonly checkpoints: CheckpointStore;
  private readonly log: RunnerLogger;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private recovering?: Promise<void>;
  private watchingConnection = false;
  private stopping = false;
  private position = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly store: EventStore,
    private readonly db: DataSource,
    readonly projection: Projection,
    private readonly opts: ProjectionRunnerOptions,
  ) {
    this.checkpoints = new CheckpointStore(opts.schema);
    this.log = opts.logger ?? silent;
    if (!/^[A-Za-z0-9_-]+$/.test(projection.name)) throw new Error(`invalid projection name '${projection.name}'`);
  }

  get durableName(): string {
    return `${this.opts.schema}-${this.projection.name}`;
  }

  async start(): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.checkpoints.setup(em);
      await this.checkpoints.ensure(em, this.projection.name);
      await this.projection.setup?.(em);
    });
    this.position = await this.checkpoints.read(this.db.manager, this.projection.name);
    const consumer = await this.recreateConsumer(this.position + 1);
    this.stopping = false;
    this.messages = await consumer.consume({ max_messages: this.opts.batchSize ?? 256 });
    this.loop = this.run(this.messages);
    this.watchConnection();
    this.log.info({ projection: this.projection.name, position: this.position }, 'projection started');
  }

  /**
   * After a reconnect, deliveries that were on the wire when the connection dropped are lost, and the
   * server would redeliver them only after ack_wait. Start again from the checkpoint at once instead.
   */
  private watchConnection(): void {
    if (this.watchingConnection) return;
    this.watchingConnection = true;
    void (async () => {
      for await (const s of this.store.nc.status()) {
        if (s.type === 'reconnect' && !this.stopping && this.messages) this.recover(this.messages);
      }
    })().catch(() => undefined);
  }

  private async recreateConsumer(startSeq: number): Promise<Consumer> {
    const { jsm, js, stream } = this.store;
    try {
      await jsm.consumers.delete(stream, this.durableName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await jsm.consumers.add(stream, {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      // NATS 2.9 (Debian 12) takes one filter per consumer; several subjects are read through their
      // common `evt.>` and sorted out in process (handled as no-ops that still move the checkpoint).
      filter_subject: this.projection.subjects.length === 1 ? this.projection.subjects[0] : 'evt.>',
      ack_wait: nanos(this.opts.ackWaitMs ?? 60_000),
      max_deliver: -1,
      max_ack_pending: 1024,
    });
    return js.consumers.get(stream, this.durableName);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    void this.watchStatus(messages);
    // The consumer numbers every delivery (redeliveries included). A jump means deliveries were
    // lost on the way (a connection cut mid-burst, a client buffer overflow): the server counts them
    // as delivered and would redeliver them only after ack_wait, after newer events, which the
    // checkpoint would then skip. So on a jump, start again from the checkpoint instead.
    let lastDelivery = 0;
    try {
      for await (const msg of messages) {
        if (this.stopping) break;
        const delivery = msg.info.deliverySequence;
        if (lastDelivery > 0 && delivery > lastDelivery + 1) {
          this.log.warn({ projection: this.projection.name, expected: lastDelivery + 1, got: delivery }, 'deliveries were lost in transit; resuming from the checkpoint');
          this.recover(messages);
          break;
        }
        lastDelivery = Math.max(lastDelivery, delivery);
        await this.handle(msg);
        projectionMetrics.pending.set({ projection: this.projection.name }, msg.info.pending);
      }
    } catch (err) {
      this.log.error({ projection: this.projection.name, err: String((err as Error)?.message ?? err) }, 'projection consumer failed');
    }
    if (!this.stopping && messages === this.messages && !this.recovering) {
      this.log.error({ projection: this.projection.name }, 'projection consumer ended unexpectedly');
      this.recover(messages);
    }
  }

  /** Surfaces the consumer's trouble (missed heartbeats, deleted consumer) in the logs. */
  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (s.type === 'heartbeats_missed' || s.type === 'consumer_deleted' || s.type === 'consumer_not_found' || s.type === 'stream_not_found' || s.type === 'exceeded_limits') {
        this.log.warn({ projection: this.projection.name, status: s }, 'projection consumer status');
      }
      // The durable consumer is gone (deleted by an operator, lost by the server). The client library
      // only polls for it, forever, so the projection would stall: recreate it from the checkpoint.
      if (s.type === 'consumer_deleted' || s.type === 'consumer_not_found') this.recover(messages);
    }
  }

  /** Replaces a consumer that was lost by a new one at checkpoint + 1 (retried until it works or the runner stops). */
  private recover(messages: ConsumerMessages): void {
    if (this.stopping || this.recovering || messages !== this.messages) return;
    const name = this.projection.name;
    this.recovering = (async () => {
      this.log.warn({ projection: name }, 'projection consumer lost; recreating it from the checkpoint');
      await messages.close().catch(() => undefined);
      await this.loop?.catch(() => undefined);
      for (let attempt = 1; !this.stopping && !this.store.nc.isClosed(); attempt++) {
        try {
          this.position = Math.max(this.position, await this.checkpoints.read(this.db.manager, name));
          const consumer = await this.recreateConsumer(this.position + 1);
          if (this.stopping) return;
          this.messages = await consumer.consume({ max_messages: this.opts.batchSize ?? 256 });
          this.loop = this.run(this.messages);
          this.log.info({ projection: name, position: this.position }, 'projection consumer recreated');
          return;
        } catch (err) {
          this.log.error({ projection: name, attempt, err: String((err as Error)?.message ?? err) }, 'could not recreate projection consumer');
          await sleep(this.backoff(attempt));
        }
      }
    })().finally(() => { this.recovering = undefined; });
  }

  private async handle(msg: JsMsg): Promise<void> {
    const name = this.projection.name;
    let attempt = 0;
    for (;;) {
      attempt++;
      let handled: Handled;
      try {
        handled = await this.db.transaction((em) => this.applyOnce(em, msg));
      } catch (err) {
        if (this.stopping) return;
        projectionMetrics.retries.inc({ projection: name });
        const maxAttempts = this.opts.maxAttempts ?? 5;
        this.log.warn({ projection: name, seq: msg.seq, attempt, err: String((err as Error)?.message ?? err) }, 'projection failed to apply event');
        if (attempt >= maxAttempts) {
          if (await this.tryPark(msg, err, attempt)) return;
        }
        msg.working();
        await sleep(this.backoff(attempt));
        continue;
      }
      if (this.opts.afterCommit) await this.opts.afterCommit(msg.seq);
      msg.ack();
      this.advanced(msg.seq, handled.outcome);
      if (handled.outcome === 'applied' && handled.event && this.opts.onApplied) {
        try {
          this.opts.onApplied(handled.event, msg.seq);
        } catch (err) {
          this.log.error({ projection: this.projection.name, seq: msg.seq, err: String(err) }, 'onApplied hook failed');
        }
      }
      return;
    }
  }

  private async applyOnce(em: EntityManager, msg: JsMsg): Promise<Handled> {
    const name = this.projection.name;
    const checkpoint = await this.checkpoints.lock(em, name);
    if (msg.seq <= checkpoint) return { outcome: 'skipped' };
    let event;
    try {
      event = parseEvent(msg.json());
    } catch (err) {
      // A malformed event will never become valid: park it at once instead of retrying.
      const reason = err instanceof ContractError ? err.message : `unparseable payload: ${String((err as Error)?.message ?? err)}`;
      await this.checkpoints.park(em, { projection: name, seq: msg.seq, subject: msg.subject, payload: msg.string(), error: reason, attempts: 1 });
      await this.checkpoints.move(em, name, msg.seq);
      this.log.error({ projection: name, seq: msg.seq, err: reason }, 'parked invalid event');
      return { outcome: 'parked' };
    }
    if (!this.matches(msg.subject)) {
      await this.checkpoints.move(em, name, msg.seq);
      return { outcome: 'skipped' };
    }
    await this.projection.apply(event, em, { seq: msg.seq });
    await this.checkpoints.move(em, name, msg.seq);
    return { outcome: 'applied', event };
  }

  private matches(subject: string): boolean {
    return this.projection.subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  /** Parks a poison event and moves past it; false if even that failed (e.g. Postgres is down). */
  private async tryPark(msg: JsMsg, err: unknown, attempts: number): Promise<boolean> {
    const name = this.projection.name;
    try {
      await this.db.transaction(async (em) => {
        const checkpoint = await this.checkpoints.lock(em, name);
        if (msg.seq <= checkpoint) return;
        await this.checkpoints.park(em, { projection: name, seq: msg.seq, subject: msg.subject, payload: msg.string(), error: String((err as Error)?.stack ?? err), attempts });
        await this.checkpoints.move(em, name, msg.seq);
      });
    } catch (parkErr) {
      this.log.error({ projection: name, seq: msg.seq, err: String(parkErr) }, 'could not park event; will keep retrying');
      return false;
    }
    this.log.error({ projection: name, seq: msg.seq, attempts, err: String((err as Error)?.message ?? err) }, 'parked poison event');
    msg.ack();
    this.advanced(msg.seq, 'parked');
    return true;
  }

  private backoff(attempt: number): number {
    const initial = this.opts.backoffInitialMs ?? 100;
    const max = this.opts.backoffMaxMs ?? 10_000;
    const exp = Math.min(max, initial * 2 ** (attempt - 1));
    return exp / 2 + Math.random() * (exp / 2);
  }

  private advanced(seq: number, outcome: Outcome): void {
    const labels = { projection: this.projection.name };
    if (outcome === 'applied') projectionMetrics.applied.inc(labels);
    else if (outcome === 'skipped') projectionMetrics.skipped.inc(labels);
    else projectionMetrics.parked.inc(labels);
    if (seq > this.position) this.position = seq;
    projectionMetrics.position.set(labels, this.position);
    this.waiters = this.waiters.filter((w) => {
      if (w.seq <= this.position) w.resolve();
      return w.seq > this.position;
    });
  }

  /** Stream sequence of the last event this runner handled. */
  get handledPosition(): number {
    return this.position;
  }

  /**
   * Resolves once every event up to `seq` that this projection reads has been handled. Events on
   * other subjects are not delivered, so the runner also counts as caught up when its consumer has
   * nothing pending.
   */
  async waitFor(seq: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.position < seq) {
      // A stopped runner handles nothing more: failing now keeps a caller (a reactor during shutdown)
      // from holding the process until its timeout.
      if (this.stopping) throw new Error(`projection ${this.projection.name} stopped at ${this.position} before reaching ${seq}`);
      if (Date.now() > deadline) throw new Error(`projection ${this.projection.name} did not reach ${seq} (at ${this.position})`);
      // Nothing pending and nothing unacked means every matching event stored so far is handled,
      // and `seq` was stored before this call.
      const info = await this.store.jsm.consumers.info(this.store.stream, this.durableName).catch(() => undefined);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0) return;
      await new Promise<void>((resolve) => {
        const w = { seq, resolve };
        this.waiters.push(w);
        setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve(); }, 50);
      });
    }
  }

  /** Waits until everything currently in the store that this projection reads is handled. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    await this.waitFor(await this.store.lastSequence(), timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.messages?.close();
    await this.loop?.catch(() => undefined);
    this.messages = undefined;
    this.loop = undefined;
  }

  /** Drops the read model and replays every event from sequence 1. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.db.transaction(async (em) => {
      await this.checkpoints.setup(em);
      await this.checkpoints.ensure(em, this.projection.name);
      await this.checkpoints.lock(em, this.projection.name);
      await this.projection.reset(em);
      await this.checkpoints.move(em, this.projection.name, 0);
    });
    this.position = 0;
    await this.start();
  }

  async parked() {
    return this.checkpoints.parked(this.db.manager, this.projection.name);
  }
}

/** NATS subject matching: `*` is one token, `>` the rest (one or more tokens). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
