import type { DataSource, EntityManager } from 'typeorm';
import { AckPolicy, Consumer, ConsumerMessages, DeliverPolicy, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ContractError, DomainEvent, parseEvent } from '@fluxplane/contracts';
import { errorText } from '@fluxplane/observability';
import type { EventStore } from './event-store';
import type { Projection } from './projection';
import { CheckpointStore } from './checkpoints';
import { isNotFound } from './stream';
import { projectionMetrics } from './metrics';
import type { Lease } from './lease';
import { lockForSetup } from './setup-lock';
import type { OwnEvents } from './own-events';

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
  /** Messages the consumer pulls at a time (default 256). */
  batchSize?: number;
  /**
   * Most events applied in one Postgres transaction (default: `batchSize`). A batch is what has
   * already arrived when the previous one committed, so it grows with the backlog and stays one
   * event when the projection keeps up: no wait is added to a lone event.
   */
  maxBatch?: number;
  ackWaitMs?: number;
  logger?: RunnerLogger;
  /**
   * Name of the durable JetStream consumer; default `<schema>-<projection>`. Replicas of one service
   * that each keep their own read model (two schedulers, one active) need one each.
   */
  durableName?: string;
  /** Called after an event was applied and acked: lets a service react to its read model changing. */
  onApplied?: (event: DomainEvent, seq: number) => void;
  /** Test seam (and commit hook): runs per event, in stream order, after its transaction committed and before its ack. */
  afterCommit?: (seq: number) => Promise<void> | void;
  /**
   * Events this process appended through the same store are recognised by their content digest and
   * not validated a second time (they were validated when made); every other event is. For a
   * service that projects its own decisions (the scheduler reads back each placement it appends).
   */
  trustOwnEvents?: boolean;
  /**
   * Replicas of a service run the same projection: only the holder of this lease consumes and
   * applies (`KvLease` keyed `<schema>.<projection>`); the others stand by and take over when it
   * is lost. Without one, run one runner per projection.
   */
  lease?: Lease;
}

type Outcome = 'applied' | 'skipped' | 'parked';
interface Handled { outcome: Outcome; event?: DomainEvent }
interface BatchItem { msg: JsMsg; handled: Handled; parkedReason?: string }

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Feeds one projection from a durable JetStream consumer. The events that have arrived (a batch of
 * consecutive deliveries, up to `maxBatch`) are applied and the checkpoint moved to the last of them
 * in ONE Postgres transaction, then each message is acked. A crash before the commit applies none of
 * them and acks none (all are redelivered); a crash after the commit and before the acks leads to
 * redeliveries that the checkpoint turns into no-ops: exactly-once effect. When a batch fails, its
 * events are applied again one per transaction, so a poison event is retried, then parked by itself,
 * as if there were no batching.
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
  /** Events handled since the metrics were last updated, by outcome. */
  private readonly tally: Record<Outcome, number> = { applied: 0, skipped: 0, parked: 0 };
  private active = false;
  private leaseChanges: Promise<void> = Promise.resolve();
  private readonly own?: OwnEvents;

  constructor(
    private readonly store: EventStore,
    private readonly db: DataSource,
    readonly projection: Projection,
    private readonly opts: ProjectionRunnerOptions,
  ) {
    this.checkpoints = new CheckpointStore(opts.schema);
    this.own = opts.trustOwnEvents ? store.rememberOwnEvents() : undefined;
    this.log = opts.logger ?? silent;
    if (!/^[A-Za-z0-9_-]+$/.test(projection.name)) throw new Error(`invalid projection name '${projection.name}'`);
  }

  get durableName(): string {
    return this.opts.durableName ?? `${this.opts.schema}-${this.projection.name}`;
  }

  async start(): Promise<void> {
    await this.db.transaction(async (em) => {
      await lockForSetup(em, this.opts.schema); // replicas booting together
      await this.checkpoints.setup(em);
      const version = this.projection.version ?? 1;
      const built = await this.checkpoints.ensure(em, this.projection.name, version);
      if (built !== version) {
        // The read model's shape changed: its old rows cannot be read as the new shape. Rebuild.
        this.log.warn({ projection: this.projection.name, from: built, to: version }, 'projection shape changed; rebuilding from sequence 1');
        await (this.projection.drop ?? this.projection.reset).call(this.projection, em);
        await this.checkpoints.restart(em, this.projection.name, version);
      }
      await this.projection.setup?.(em);
    });
    this.position = await this.checkpoints.read(this.db.manager, this.projection.name);
    this.stopping = false;
    const lease = this.opts.lease;
    if (!lease) {
      await this.activate();
    } else {
      // Held now (the only replica, or this one restarted): consume before start() returns, as
      // without a lease. Otherwise stand by; the lease's keeper activates it when it is acquired.
      if (await lease.tryAcquire().catch(() => false)) await this.activate();
      else {
        projectionMetrics.active.set({ projection: this.projection.name }, 0);
        this.log.info({ projection: this.projection.name, position: this.position }, 'projection standing by: another replica holds its lease');
      }
      lease.start((held) => this.onLease(held));
    }
    this.watchConnection();
    this.log.info({ projection: this.projection.name, position: this.position, active: this.active }, 'projection started');
  }

  /** Whether this runner consumes and applies (always, without a lease; while it holds it, with one). */
  get isActive(): boolean {
    return this.active;
  }

  private async activate(): Promise<void> {
    this.position = Math.max(this.position, await this.checkpoints.read(this.db.manager, this.projection.name));
    const consumer = await this.recreateConsumer(this.position + 1);
    this.messages = await consumer.consume({ max_messages: this.opts.batchSize ?? 256 });
    this.active = true;
    projectionMetrics.active.set({ projection: this.projection.name }, 1);
    this.loop = this.run(this.messages);
  }

  private async deactivate(): Promise<void> {
    this.active = false;
    projectionMetrics.active.set({ projection: this.projection.name }, 0);
    const messages = this.messages;
    this.messages = undefined; // so its loop ending is not taken for a lost consumer
    await this.recovering;
    await messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.loop = undefined;
  }

  /** Lease changes, one at a time: acquired → consume from the checkpoint; lost → stop at once. */
  private onLease(held: boolean): void {
    this.leaseChanges = this.leaseChanges.then(async () => {
      if (this.stopping) return;
      if (!held) {
        if (this.active) this.log.warn({ projection: this.projection.name }, 'projection lease lost; standing by');
        await this.deactivate();
        return;
      }
      for (let attempt = 1; !this.stopping && !this.active && this.opts.lease?.held; attempt++) {
        try {
          // Another replica applied while this one stood by: a projection that keeps state in memory
          // (the scheduler's) reloads it from the tables at the checkpoint before consuming after it.
          await this.db.transaction((em) => this.projection.setup?.(em) ?? Promise.resolve());
          await this.activate();
          this.log.info({ projection: this.projection.name, position: this.position }, 'projection lease acquired; consuming from the checkpoint');
        } catch (err) {
          this.log.error({ projection: this.projection.name, attempt, err: errorText(err) }, 'could not start consuming after acquiring the lease');
          await sleep(this.backoff(attempt));
        }
      }
    });
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
        if (s.type === 'reconnect' && !this.stopping && this.active && this.messages) this.recover(this.messages);
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
    const maxBatch = Math.max(1, this.opts.maxBatch ?? this.opts.batchSize ?? 256);
    const it = messages[Symbol.asyncIterator]();
    // The delivery asked for and not yet received: kept for the next batch when none had arrived.
    let next: Promise<IteratorResult<JsMsg>> | undefined;
    const take = () => (next ??= it.next());
    let ended = false;
    try {
      while (!ended) {
        const first = await take();
        next = undefined;
        if (first.done) break;
        // What has already arrived joins the batch (an iterator with deliveries buffered answers
        // within microtasks, before `setImmediate`); nothing is waited for.
        const batch: JsMsg[] = [first.value];
        while (batch.length < maxBatch) {
          const r = await Promise.race([take(), new Promise<null>((resolve) => setImmediate(resolve, null))]);
          if (r === null) break;
          next = undefined;
          if (r.done) { ended = true; break; }
          batch.push(r.value);
        }
        // A runner that lost its lease applies nothing more (another replica took over).
        if (this.stopping || messages !== this.messages || (this.opts.lease && !this.opts.lease.held)) break;
        let cut = batch.length;
        for (let i = 0; i < batch.length; i++) {
          const delivery = batch[i]!.info.deliverySequence;
          if (lastDelivery > 0 && delivery > lastDelivery + 1) {
            this.log.warn({ projection: this.projection.name, expected: lastDelivery + 1, got: delivery }, 'deliveries were lost in transit; resuming from the checkpoint');
            cut = i;
            break;
          }
          lastDelivery = Math.max(lastDelivery, delivery);
        }
        if (cut > 0) await this.handleBatch(cut === batch.length ? batch : batch.slice(0, cut));
        if (cut < batch.length) {
          this.recover(messages);
          break;
        }
        projectionMetrics.pending.set({ projection: this.projection.name }, batch[batch.length - 1]!.info.pending);
      }
    } catch (err) {
      this.log.error({ projection: this.projection.name, err: errorText(err) }, 'projection consumer failed');
    } finally {
      // As a `for await` that breaks: ends the iterator. Not awaited: with a delivery still asked
      // for, it ends when whoever broke off closes the consumer (recover, deactivate, halt).
      void next?.catch(() => undefined);
      void it.return?.().catch(() => undefined);
    }
    if (!this.stopping && messages === this.messages && !this.recovering && (!this.opts.lease || this.opts.lease.held)) {
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
    if (this.stopping || this.recovering || messages !== this.messages || !this.active) return;
    const name = this.projection.name;
    this.recovering = (async () => {
      this.log.warn({ projection: name }, 'projection consumer lost; recreating it from the checkpoint');
      await messages.close().catch(() => undefined);
      await this.loop?.catch(() => undefined);
      for (let attempt = 1; !this.stopping && !this.store.nc.isClosed(); attempt++) {
        try {
          this.position = Math.max(this.position, await this.checkpoints.read(this.db.manager, name));
          if (this.opts.lease && !this.opts.lease.held) return;
          const consumer = await this.recreateConsumer(this.position + 1);
          if (this.stopping || messages !== this.messages) return;
          this.messages = await consumer.consume({ max_messages: this.opts.batchSize ?? 256 });
          this.loop = this.run(this.messages);
          this.log.info({ projection: name, position: this.position }, 'projection consumer recreated');
          return;
        } catch (err) {
          this.log.error({ projection: name, attempt, err: errorText(err) }, 'could not recreate projection consumer');
          await sleep(this.backoff(attempt));
        }
      }
    })().finally(() => { this.recovering = undefined; });
  }

  /**
   * Applies a batch in one transaction, then acks it. If the transaction fails (a poison event, an
   * invalid one that cannot even be parked, Postgres down), nothing of it was committed: its events
   * are applied again one per transaction, with the retries and parking of a single event.
   */
  private async handleBatch(batch: JsMsg[]): Promise<void> {
    if (batch.length === 1) return this.handle(batch[0]!);
    let items: BatchItem[];
    try {
      items = await this.db.transaction((em) => this.applyBatch(em, batch));
    } catch (err) {
      if (this.stopping) return;
      this.log.warn({ projection: this.projection.name, from: batch[0]!.seq, to: batch[batch.length - 1]!.seq, err: errorText(err) }, 'projection batch failed; applying its events one by one');
      for (const msg of batch) {
        if (this.stopping) return;
        await this.handle(msg);
      }
      return;
    }
    projectionMetrics.batches.inc({ projection: this.projection.name });
    for (const item of items) {
      if (item.parkedReason) this.log.error({ projection: this.projection.name, seq: item.msg.seq, subject: item.msg.subject, err: item.parkedReason }, 'parked invalid event');
      await this.committed(item.msg, item.handled, false);
    }
    this.report();
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
        this.log.warn({ projection: name, seq: msg.seq, attempt, err: errorText(err) }, 'projection failed to apply event');
        if (attempt >= maxAttempts) {
          if (await this.tryPark(msg, err, attempt)) return;
        }
        msg.working();
        await sleep(this.backoff(attempt));
        continue;
      }
      projectionMetrics.batches.inc({ projection: name });
      await this.committed(msg, handled);
      return;
    }
  }

  /**
   * After the transaction that handled `msg` committed: the commit hook, the ack, the listeners.
   * `report`: update the metrics now (false within a batch, which reports once at its end).
   */
  private async committed(msg: JsMsg, handled: Handled, report = true): Promise<void> {
    if (this.opts.afterCommit) {
      // Awaited only when it returns a promise: a synchronous hook costs no extra turn per event.
      const done = this.opts.afterCommit(msg.seq);
      if (done) await done;
    }
    msg.ack();
    this.advanced(msg.seq, handled.outcome, report);
    if (handled.outcome === 'applied' && handled.event && this.opts.onApplied) {
      try {
        this.opts.onApplied(handled.event, msg.seq);
      } catch (err) {
        this.log.error({ projection: this.projection.name, seq: msg.seq, err: String(err) }, 'onApplied hook failed');
      }
    }
  }

  /**
   * One transaction for consecutive deliveries: each is judged as `applyOnce` judges one (already
   * handled, invalid → parked, another subject → skipped), the rest applied in order, and the
   * checkpoint moved once to the last. Throws (rolling everything back) when an apply fails.
   */
  private async applyBatch(em: EntityManager, batch: readonly JsMsg[]): Promise<BatchItem[]> {
    const name = this.projection.name;
    let position = await this.checkpoints.lock(em, name);
    const start = position;
    const items: BatchItem[] = [];
    const toApply: Array<{ event: DomainEvent; seq: number }> = [];
    for (const msg of batch) {
      // A redelivery of what this batch or an earlier one already handled.
      if (msg.seq <= position) {
        items.push({ msg, handled: { outcome: 'skipped' } });
        continue;
      }
      position = msg.seq;
      let event: DomainEvent;
      try {
        event = this.read(msg);
      } catch (err) {
        const reason = invalidReason(err);
        await this.checkpoints.park(em, { projection: name, seq: msg.seq, subject: msg.subject, payload: msg.string(), error: reason, attempts: 1 });
        items.push({ msg, handled: { outcome: 'parked' }, parkedReason: reason });
        continue;
      }
      if (!this.matches(msg.subject)) {
        items.push({ msg, handled: { outcome: 'skipped' } });
        continue;
      }
      toApply.push({ event, seq: msg.seq });
      items.push({ msg, handled: { outcome: 'applied', event } });
    }
    if (toApply.length > 0) {
      if (this.projection.applyBatch) await this.projection.applyBatch(toApply, em);
      else for (const { event, seq } of toApply) await this.projection.apply(event, em, { seq });
    }
    if (position > start) await this.checkpoints.move(em, name, position);
    return items;
  }

  private async applyOnce(em: EntityManager, msg: JsMsg): Promise<Handled> {
    const name = this.projection.name;
    const checkpoint = await this.checkpoints.lock(em, name);
    if (msg.seq <= checkpoint) return { outcome: 'skipped' };
    let event;
    try {
      event = this.read(msg);
    } catch (err) {
      // A malformed event will never become valid: park it at once instead of retrying.
      const reason = invalidReason(err);
      await this.checkpoints.park(em, { projection: name, seq: msg.seq, subject: msg.subject, payload: msg.string(), error: reason, attempts: 1 });
      await this.checkpoints.move(em, name, msg.seq);
      this.log.error({ projection: name, seq: msg.seq, subject: msg.subject, err: reason }, 'parked invalid event');
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

  /** The delivered event, validated; one this process appended (stored at that sequence) was validated when it was made. */
  private read(msg: JsMsg): DomainEvent {
    if (this.own?.take(msg.seq)) return msg.json<DomainEvent>();
    return parseEvent(msg.json());
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
    this.log.error({ projection: name, seq: msg.seq, attempts, err: errorText(err) }, 'parked poison event');
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

  private advanced(seq: number, outcome: Outcome, report = true): void {
    this.tally[outcome]++;
    if (seq > this.position) this.position = seq;
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (w.seq <= this.position) w.resolve();
        return w.seq > this.position;
      });
    }
    if (report) this.report();
  }

  /** The events counted since the last report, and the position, into the metrics (a labelled update hashes its labels each time). */
  private report(): void {
    const labels = { projection: this.projection.name };
    const t = this.tally;
    if (t.applied > 0) projectionMetrics.applied.inc(labels, t.applied);
    if (t.skipped > 0) projectionMetrics.skipped.inc(labels, t.skipped);
    if (t.parked > 0) projectionMetrics.parked.inc(labels, t.parked);
    t.applied = t.skipped = t.parked = 0;
    projectionMetrics.position.set(labels, this.position);
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
      // A replica standing by follows the active one's checkpoint.
      if (!this.active) {
        this.position = Math.max(this.position, await this.checkpoints.read(this.db.manager, this.projection.name).catch(() => 0));
        if (this.position >= seq) return;
      }
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
    await this.halt();
    // released after the last commit, so the next holder starts from the final checkpoint
    await this.opts.lease?.stop();
  }

  /** Stops consuming, keeping the lease (its keeper goes on renewing it): for a rebuild by the holder. */
  private async halt(): Promise<void> {
    this.stopping = true;
    await this.leaseChanges;
    await this.recovering;
    await this.messages?.close();
    await this.loop?.catch(() => undefined);
    this.messages = undefined;
    this.loop = undefined;
    this.active = false;
  }

  /** Drops the read model and replays every event from sequence 1. */
  async rebuild(): Promise<void> {
    // Only the lease holder may drop the read model: another replica applying into it meanwhile
    // would mix a replay with live rows. Stop the other replicas first.
    if (this.opts.lease && !(await this.opts.lease.tryAcquire())) {
      throw new Error(`cannot rebuild projection ${this.projection.name}: another replica holds its lease (stop the other replicas first)`);
    }
    await this.halt();
    await this.db.transaction(async (em) => {
      await lockForSetup(em, this.opts.schema);
      await this.checkpoints.setup(em);
      await this.checkpoints.ensure(em, this.projection.name, this.projection.version ?? 1);
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

/** Why an event could not be read: the contract's own message (naming the field), or the parse error. */
function invalidReason(err: unknown): string {
  return err instanceof ContractError ? err.message : `unparseable payload: ${errorText(err)}`;
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
