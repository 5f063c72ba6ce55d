import { subjectToken } from '@fluxplane/contracts';

/** One event as the dashboard receives it. */
export interface LiveEvent {
  seq: number;
  subject: string;
  type: string;
  time: string;
  data: unknown;
}

/** Where a client's frames go: an SSE response, or anything that takes text and reports back-pressure. */
export interface FrameSink {
  /** false when the sink's buffer is full: wait for `drain` before writing more */
  write(frame: string): boolean;
  once(event: 'drain', listener: () => void): void;
  end(): void;
}

/** Whether `subject` is one of the app's aggregates: its spec, placements, instances and masters. */
export function appMatcher(app: string): (subject: string) => boolean {
  const t = subjectToken(app.toLowerCase());
  const exact = new Set([`evt.app.${t}`, `evt.placement.${t}`, `evt.master.${t}`]);
  const instances = `evt.instance.${t}.`;
  return (subject) => exact.has(subject) || subject.startsWith(instances);
}

/** An SSE frame: `id` is the stream sequence, so a reconnecting browser can tell what it saw. */
export function eventFrame(e: LiveEvent): string {
  return `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Told to a client whose buffer overflowed: events were left out, it should read its state again. */
export const GAP_FRAME = 'event: gap\ndata: {}\n\n';
export const PING_FRAME = ': ping\n\n';

interface Client {
  sink: FrameSink;
  matches: (subject: string) => boolean;
  queue: string[];
  /** the sink asked to wait (write returned false) */
  blocked: boolean;
  /** frames were dropped since the last write: a gap frame goes before the next ones */
  gap: boolean;
}

/**
 * The fan-out of live events to the connected browsers. Each client has a bounded queue: a client
 * that reads slower than events come (its socket's buffer full) loses the queued events and is told
 * so with a `gap` frame, so one slow browser never grows the gateway's memory nor holds up the others.
 */
export class LiveFeed {
  private readonly clients = new Set<Client>();

  constructor(private readonly maxQueued: number) {}

  get size(): number {
    return this.clients.size;
  }

  /** Frames waiting for slow clients, all clients together. */
  get queued(): number {
    let n = 0;
    for (const c of this.clients) n += c.queue.length;
    return n;
  }

  /** Adds a client; `app` narrows it to that app's events. Returns its removal. */
  add(sink: FrameSink, app?: string): () => void {
    const client: Client = { sink, matches: app ? appMatcher(app) : () => true, queue: [], blocked: false, gap: false };
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  publish(e: LiveEvent): void {
    if (this.clients.size === 0) return;
    const frame = eventFrame(e);
    for (const c of this.clients) if (c.matches(e.subject)) this.send(c, frame);
  }

  /** A comment frame to every client: keeps idle connections (and proxies) from timing out. */
  ping(): void {
    for (const c of this.clients) this.send(c, PING_FRAME);
  }

  /** Ends every client's response (at shutdown: the HTTP server waits for open responses). */
  closeAll(): void {
    for (const c of this.clients) c.sink.end();
    this.clients.clear();
  }

  private send(c: Client, frame: string): void {
    if (c.blocked) {
      if (c.queue.length >= this.maxQueued) {
        c.queue.length = 0;
        c.gap = true;
      }
      c.queue.push(frame);
      return;
    }
    this.write(c, frame);
  }

  private write(c: Client, frame: string): void {
    let ok = true;
    if (c.gap) {
      c.gap = false;
      ok = c.sink.write(GAP_FRAME);
    }
    ok = c.sink.write(frame) && ok;
    if (!ok) {
      c.blocked = true;
      c.sink.once('drain', () => this.flush(c));
    }
  }

  private flush(c: Client): void {
    c.blocked = false;
    while (!c.blocked && c.queue.length > 0) this.write(c, c.queue.shift()!);
  }
}
