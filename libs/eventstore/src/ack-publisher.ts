import { performance } from 'node:perf_hooks';
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What JetStream answers a stored message with. */
export interface StoredAck {
  /** The stream that stored it. */
  stream: string;
  /** Stream sequence of the message (of the first copy, for a duplicate). */
  seq: number;
  /** True when the stream already held a message with the same `Nats-Msg-Id`. */
  duplicate: boolean;
}

/** JetStream refused the message (e.g. err_code 10071: wrong last subject sequence), or never answered. */
export class PublishAckError extends Error {
  override readonly name = 'PublishAckError';
  constructor(message: string, readonly errCode?: number) {
    super(message);
  }
}

/**
 * Message headers encoded once, as the client would encode a `MsgHdrs` (`NATS/1.0`, one
 * `key: value` per line, a blank line). The client's `headers()` builds a map, validates and
 * canonicalises each key on `set` and re-serialises on `encode`: ~5 us per event in the placement
 * burst for three fixed keys. The client only calls `encode()` on what it is given as headers.
 */
export class PublishHeaders {
  private readonly text: string;

  constructor(entries: ReadonlyArray<readonly [key: string, value: string]>) {
    let text = 'NATS/1.0\r\n';
    for (const [k, v] of entries) {
      // A handful of names, each checked once per process.
      if (!validNames.has(k)) {
        if (!/^[A-Za-z0-9-]+$/.test(k)) throw new PublishAckError(`invalid header name '${k}'`);
        validNames.add(k);
      }
      if (v.includes('\r') || v.includes('\n')) throw new PublishAckError(`header ${k}: values cannot contain \\r or \\n`);
      text += `${k}: ${v.trim()}\r\n`;
    }
    this.text = `${text}\r\n`;
  }

  encode(): Uint8Array {
    return Buffer.from(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/** Header names already found valid. */
const validNames = new Set<string>();

/** Default wait for an acknowledgement: the same as the client's `js.publish`. */
export const DEFAULT_ACK_TIMEOUT_MS = 5000;

interface Waiting {
  /** Where it was published: a refusal (permissions) names the subject. */
  subject: string;
  resolve: (ack: StoredAck) => void;
  reject: (err: Error) => void;
  /** When the publish counts as failed, on the publisher's listening clock (monotonic: deadlines come in publish order). */
  deadline: number;
}

/**
 * JetStream publishes with their acknowledgements, pipelined on one connection, at a fraction of
 * the client's `js.publish` cost per message.
 *
 * A JetStream publish is a core NATS publish whose reply subject receives the stream's
 * acknowledgement. `js.publish` makes each one a client request: a reply token, a timer, a deferred
 * and two or three Error objects (stack traces captured for async traces and for its own
 * cancellation) per message, which at thousands of appends a second costs more CPU (and garbage)
 * than the rest of an append. Here one inbox subscription (`<inbox>.<token>`) receives every
 * acknowledgement and one sweep, running only while some are waiting, expires the publishes not
 * acknowledged in time. The durability is the same: a publish resolves only once the stream has
 * stored the message and said so.
 */
export class AckPublisher {
  private inbox?: { prefix: string; sub: Subscription };
  private statuses?: AsyncIterable<unknown> & { stop?: () => void };
  private readonly waiting = new Map<string, Waiting>();
  private next = 0;
  private sweep?: NodeJS.Timeout;
  /** Time the process was held beyond the sweep's interval (ms): not counted against a publish's deadline. */
  private held = 0;
  private listened = 0;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    /** Reply subjects must sit under the connection's inbox prefix (bus permissions). */
    private readonly inboxPrefix: string,
    private readonly ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS,
  ) {
    // The connection is gone: no acknowledgement will come.
    void nc.closed().then(() => this.close());
  }

  /** Publishes are waiting for their acknowledgement (tests). */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Publishes `payload` on `subject`; resolves with the stream's acknowledgement. */
  publish(subject: string, payload: string | Uint8Array, headers: MsgHdrs | PublishHeaders): Promise<StoredAck> {
    return new Promise<StoredAck>((resolve, reject) => {
      if (this.closed) {
        reject(new PublishAckError('publisher closed: the connection is closed'));
        return;
      }
      const prefix = this.ensureInbox();
      const token = (this.next++).toString(36);
      this.waiting.set(token, { subject, resolve, reject, deadline: this.listening() + this.ackTimeoutMs });
      this.ensureSweep();
      try {
        this.nc.publish(subject, payload, { reply: `${prefix}.${token}`, headers: headers as MsgHdrs });
      } catch (err) {
        this.waiting.delete(token);
        reject(err as Error);
      }
    });
  }

  /** Fails every publish still waiting and stops listening. */
  close(): void {
    this.closed = true;
    this.stopSweep();
    this.statuses?.stop?.();
    this.statuses = undefined;
    if (this.inbox && !this.nc.isClosed()) this.inbox.sub.unsubscribe();
    this.inbox = undefined;
    for (const w of this.waiting.values()) w.reject(new PublishAckError('publisher closed before the acknowledgement'));
    this.waiting.clear();
  }

  private ensureInbox(): string {
    if (this.inbox) return this.inbox.prefix;
    if (!this.statuses) void this.watchRefusals();
    const prefix = createInbox(this.inboxPrefix);
    const sub = this.nc.subscribe(`${prefix}.*`, { callback: (err, msg) => { if (!err) this.onAck(prefix, msg); } });
    this.inbox = { prefix, sub };
    return prefix;
  }

  private onAck(prefix: string, msg: Msg): void {
    const token = msg.subject.slice(prefix.length + 1);
    const w = this.waiting.get(token);
    if (!w) return; // expired already
    this.waiting.delete(token);
    if (msg.headers?.hasError) {
      // A status instead of an acknowledgement, e.g. 503: no stream listens on the subject.
      w.reject(new PublishAckError(`JetStream: ${msg.headers.code} ${msg.headers.description}`));
      return;
    }
    let ack: { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = msg.json();
    } catch (err) {
      w.reject(new PublishAckError(`unreadable JetStream acknowledgement: ${(err as Error).message}`));
      return;
    }
    if (ack.error) w.reject(new PublishAckError(`${ack.error.description ?? 'refused'} (${ack.error.err_code ?? ack.error.code})`, ack.error.err_code));
    else if (typeof ack.seq === 'number' && typeof ack.stream === 'string') w.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
    else w.reject(new PublishAckError('malformed JetStream acknowledgement'));
  }

  /**
   * A publish the server refuses (permissions) gets no acknowledgement, only an asynchronous
   * `-ERR 'Permissions Violation for Publish to "<subject>"'`, one per refused message: it fails the
   * oldest publish waiting on that subject at once, as the client does for its requests. A refused
   * subscription to the inbox fails every publish waiting (no acknowledgement can reach them).
   */
  private async watchRefusals(): Promise<void> {
    const statuses = this.nc.status() as AsyncIterable<{ type: string; error?: unknown }> & { stop?: () => void };
    this.statuses = statuses;
    try {
      for await (const s of statuses) {
        if (this.closed) break;
        const err = s.type === 'error' ? (s.error as { name?: string; operation?: string; subject?: string; message?: string } | undefined) : undefined;
        if (err?.name !== 'PermissionViolationError') continue;
        const reason = err.message ?? 'permissions violation';
        if (err.operation === 'publish') {
          for (const [token, w] of this.waiting) {
            if (w.subject !== err.subject) continue;
            this.waiting.delete(token);
            w.reject(new PublishAckError(reason));
            break;
          }
        } else if (this.inbox && err.subject === `${this.inbox.prefix}.*`) {
          this.inbox = undefined;
          for (const w of this.waiting.values()) w.reject(new PublishAckError(reason));
          this.waiting.clear();
        }
      }
    } catch {
      // The status stream ends with the connection.
    }
  }

  /**
   * Expires the publishes not acknowledged in time; runs only while some are waiting.
   *
   * Time counts only while this process could listen. A timer fires before the event loop reads its
   * sockets, so after the process was held (a long GC pause of a large heap, a long synchronous
   * run) a plain deadline check would fail publishes whose acknowledgements are already waiting,
   * unread, in the socket — appends the stream stored, reported as failed. So a tick that comes far
   * later than asked adds the time it was held to every deadline (`held`), and the check itself
   * runs after the loop's I/O phase (setImmediate), once what arrived meanwhile has been read.
   */
  private ensureSweep(): void {
    if (this.sweep) return;
    const every = Math.max(10, Math.min(500, Math.floor(this.ackTimeoutMs / 4)));
    let lastTick = performance.now();
    this.sweep = setInterval(() => {
      const tick = performance.now();
      const late = tick - lastTick - every;
      lastTick = tick;
      if (late > every) this.held += late;
      setImmediate(() => this.expire());
    }, every);
    this.sweep.unref();
  }

  /** Fails the publishes past their deadline, on the clock that stops while the process is held. */
  private expire(): void {
    const now = this.listening();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) break; // the rest were published later
      this.waiting.delete(token);
      w.reject(new PublishAckError(`no JetStream acknowledgement within ${this.ackTimeoutMs} ms`));
    }
    if (this.waiting.size === 0) this.stopSweep();
  }

  /**
   * Milliseconds on a clock that does not advance while the process was held (see ensureSweep). It
   * stands still, never goes back, when a hold is found: deadlines stay in publish order.
   */
  private listening(): number {
    const t = performance.now() - this.held;
    if (t > this.listened) this.listened = t;
    return this.listened;
  }

  private stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
  }
}
