import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, Consumer, ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { EVENT_STREAM, EVENT_SUBJECTS, parseEvent, type EventOf, type EventType } from '@fluxplane/contracts';

/** Where a new subscription starts reading the stream. */
export type StartFrom =
  /** every stored event, from the first */
  | 'all'
  /** only events stored after the subscription starts */
  | 'new'
  /** the events stored after this stream sequence (the last one a consumer handled) */
  | { afterSeq: number };

/** Where one delivered event sits in the stream. */
export interface Delivery {
  /** stream sequence: store it, and resume with `from: { afterSeq: seq }` */
  seq: number;
  /** the aggregate subject the event was stored on, e.g. `evt.app.demo` */
  subject: string;
  /** events left to deliver after this one, as the server counted them */
  pending: number;
}

/** A message on the event stream that is not a valid event of these contracts: reported, not thrown. */
export interface InvalidEvent {
  seq: number;
  subject: string;
  /** what was wrong, naming the offending fields (`invalid AppRegistered: data.name: ...`) */
  reason: string;
  /** the message body as stored (UTF-8) */
  raw: string;
}

export interface SubscribeOptions<T extends EventType> {
  /** Only these event types reach `onEvent` (others are skipped); all types when left out. */
  types?: readonly T[];
  /** One subject filter, e.g. `Subjects.all.apps` or `evt.instance.demo.>`; default `evt.>` (every event). */
  subject?: string;
  /** Where to start (default `'all'`). A durable consumer that already exists keeps its own position. */
  from?: StartFrom;
  /**
   * Name of a durable consumer: the server remembers what was acknowledged, so a restarted
   * subscriber with the same name goes on where it stopped. Ephemeral (an ordered consumer that
   * lives as long as the subscription) when left out.
   */
  durable?: string;
  /** Called once per event, in stream order; the next one waits until it returns (or its promise settles). */
  onEvent: (event: EventOf<T>, delivery: Delivery) => void | Promise<void>;
  /** Called for each message that is not a valid event; the subscription goes on. Default: ignored. */
  onInvalid?: (invalid: InvalidEvent) => void | Promise<void>;
  /** Called when `onEvent` or `onInvalid` throws; the subscription goes on (a durable consumer still acknowledges). Default: ignored. */
  onError?: (err: unknown, delivery: Delivery) => void;
}

/** A running subscription. */
export interface Subscription {
  /** Stream sequence of the last message handled (0 before the first). */
  readonly lastSeq: number;
  /** Resolves once every event stored up to now has been handled (or skipped). */
  caughtUp(): Promise<void>;
  /** Stops delivering; resolves when the handler in progress returned. */
  stop(): Promise<void>;
  /** Resolves when the subscription ended (stopped, or the connection closed). */
  readonly closed: Promise<void>;
}

const decoder = new TextDecoder();

/** Starts a subscription on the event stream; see SubscribeOptions. */
export async function subscribe<T extends EventType>(nc: NatsConnection, opts: SubscribeOptions<T>, stream = EVENT_STREAM): Promise<Subscription> {
  const js = jetstream(nc);
  const from = opts.from ?? 'all';
  if (typeof from === 'object' && (!Number.isInteger(from.afterSeq) || from.afterSeq < 0)) {
    throw new Error(`from.afterSeq must be a non-negative integer, not ${String(from.afterSeq)}`);
  }
  const start = from === 'all' ? { deliver_policy: DeliverPolicy.All }
    : from === 'new' ? { deliver_policy: DeliverPolicy.New }
      : from.afterSeq === 0 ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.afterSeq + 1 };
  const subject = opts.subject ?? EVENT_SUBJECTS;
  let consumer: Consumer;
  if (opts.durable) {
    const jsm = await jetstreamManager(nc);
    const existing = await jsm.consumers.info(stream, opts.durable).catch(() => undefined);
    const filter = existing?.config.filter_subject ?? existing?.config.filter_subjects?.join(',');
    if (existing && filter !== subject) {
      throw new Error(`durable consumer ${opts.durable} exists with filter ${filter ?? '(none)'}, not ${subject}: use another name, or delete it`);
    }
    if (!existing) {
      // One filter subject: NATS 2.9 takes no more per consumer.
      await jsm.consumers.add(stream, { durable_name: opts.durable, ack_policy: AckPolicy.Explicit, filter_subject: subject, max_deliver: -1, ...start });
    }
    consumer = await js.consumers.get(stream, opts.durable);
  } else {
    consumer = await js.consumers.get(stream, { filter_subjects: subject, ...start });
  }

  const types = opts.types ? new Set<string>(opts.types) : undefined;
  let lastSeq = 0;
  let caught = false;
  /** the last stream sequence the server had sent when it had nothing left to send */
  let target: number | undefined;
  const waiters: Array<() => void> = [];
  const markCaughtUp = () => {
    caught = true;
    for (const w of waiters.splice(0)) w();
  };

  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });

  const handle = async (m: JsMsg) => {
    const delivery: Delivery = { seq: m.seq, subject: m.subject, pending: m.info.pending };
    const raw = decoder.decode(m.data);
    let event;
    try {
      event = parseEvent(JSON.parse(raw));
    } catch (err) {
      const reason = err instanceof SyntaxError ? `not JSON: ${err.message}` : err instanceof Error ? err.message : String(err);
      try {
        await opts.onInvalid?.({ seq: m.seq, subject: m.subject, reason, raw });
      } catch (e) {
        opts.onError?.(e, delivery);
      }
      return;
    }
    if (types && !types.has(event.type)) return;
    try {
      await opts.onEvent(event as EventOf<T>, delivery);
    } catch (err) {
      opts.onError?.(err, delivery);
    }
  };

  const closed = (async () => {
    for await (const m of messages) {
      await handle(m);
      if (opts.durable) m.ack();
      lastSeq = m.seq;
      if (!caught && (m.info.pending === 0 || (target !== undefined && m.seq >= target))) markCaughtUp();
    }
  })().finally(markCaughtUp);

  // Nothing left for the server to deliver: caught up once what it already sent is handled.
  const ci = await consumer.info(true).catch(() => undefined);
  if (ci && ci.num_pending === 0) {
    // Nothing in flight (a durable one with nothing unacknowledged, an ordered one that sent nothing yet).
    const idle = opts.durable ? ci.num_ack_pending === 0 : ci.delivered.consumer_seq === 0;
    target = ci.delivered.stream_seq;
    if (idle || lastSeq >= target) markCaughtUp();
  }

  return {
    get lastSeq() {
      return lastSeq;
    },
    caughtUp: () => (caught ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async stop() {
      await messages.close();
      await closed.catch(() => undefined);
      // The unsubscribe of the pull's inbox must reach the server before a durable consumer is
      // consumed again: a pull request still waiting there would take the next event into the dead
      // inbox, and the next subscriber would see it only after the ack wait (30 s).
      await nc.flush().catch(() => undefined);
    },
    closed: closed.then(() => undefined),
  };
}
