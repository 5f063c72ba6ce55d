import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent, Signals, Subjects, type DomainEvent, type EventEnvelope } from '@fluxplane/contracts';
import { ConcurrencyError, type EventStore } from '@fluxplane/eventstore';
import type { Logger } from '@fluxplane/service-kit';
import type { SchedulerConfig } from '../config';
import { HeartbeatMonitor } from './heartbeat-monitor.service';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Core NATS subscription stand-in: delivers pushed messages to the subscriber's callback. */
function subscription() {
  let cb: ((err: Error | null, m: { subject: string; json: () => unknown }) => void) | undefined;
  return {
    subscribe: (_subject: string, opts: { callback: typeof cb }) => { cb = opts.callback; return { unsubscribe() { cb = undefined; } }; },
    push(m: { subject: string; json: () => unknown }) { cb?.(null, m); },
  };
}

/** Connection status stand-in: an async iterable the test pushes statuses into. */
function channel<T = { subject: string; json: () => unknown }>() {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    push(m: T) { items.push(m); wake?.(); },
    unsubscribe() { closed = true; wake?.(); },
    async *[Symbol.asyncIterator]() {
      while (!closed) {
        if (items.length > 0) { yield items.shift()!; continue; }
        await new Promise<void>((r) => { wake = r; });
        wake = undefined;
      }
    },
  };
}

/** Just enough of the event store: per-subject streams with conditional appends. */
class FakeStore {
  readonly sub = subscription();
  /** The client's connection status events. */
  readonly status = channel<{ type: string }>();
  readonly nc = { subscribe: this.sub.subscribe, status: () => this.status };
  offline = false;
  readonly streams = new Map<string, Array<{ seq: number; event: DomainEvent }>>();
  private seq = 0;
  failReads = 0;
  appendDelayMs = 0;

  /** Stream reads made (last or whole stream). */
  reads = 0;

  async readStream(subject: string) {
    this.reads++;
    if (this.failReads > 0) { this.failReads--; throw new Error('TIMEOUT'); }
    const events = [...(this.streams.get(subject) ?? [])];
    return { events, revision: events.at(-1)?.seq ?? 0 };
  }

  async last(subject: string) {
    this.reads++;
    if (this.failReads > 0) { this.failReads--; throw new Error('TIMEOUT'); }
    return this.streams.get(subject)?.at(-1) ?? null;
  }

  async append(subject: string, events: EventEnvelope[], expected: number) {
    await sleep(this.appendDelayMs);
    if (this.offline) throw new Error('CONNECTION_CLOSED');
    const cur = this.streams.get(subject) ?? [];
    if ((cur.at(-1)?.seq ?? 0) !== expected) throw new ConcurrencyError(subject, expected, 'moved');
    for (const e of events) cur.push({ seq: ++this.seq, event: e as DomainEvent });
    this.streams.set(subject, cur);
    return { revision: this.seq };
  }

  /** Another writer (a benchmark, the other scheduler) appends to a node's stream. */
  appendElsewhere(nodeId: string, event: EventEnvelope) {
    const cur = this.streams.get(Subjects.node(nodeId)) ?? [];
    cur.push({ seq: ++this.seq, event: event as DomainEvent });
    this.streams.set(Subjects.node(nodeId), cur);
  }

  liveness(nodeId: string): string[] {
    return (this.streams.get(Subjects.node(nodeId)) ?? []).map((e) => e.event.type);
  }

  beat(nodeId: string, subjectNode = nodeId) {
    this.sub.push({ subject: Signals.heartbeat(subjectNode), json: () => ({ nodeId, ip: '127.0.0.1', at: new Date().toISOString() }) });
  }
}

const logger = { info() {}, warn(...a: unknown[]) { if (process.env.DEBUG_HB) console.log(...a); }, error() {}, debug() {}, trace() {} } as unknown as Logger;

describe('HeartbeatMonitor', () => {
  let monitor: HeartbeatMonitor | undefined;
  afterEach(async () => { await monitor?.beforeApplicationShutdown(); monitor = undefined; });

  const start = (store: FakeStore) => {
    monitor = new HeartbeatMonitor(store as unknown as EventStore, { NODE_DOWN_AFTER_MS: 500, NODE_BACK_AFTER_MS: 300, NODE_BACK_AFTER_MAX_MS: 1000, NODE_FLAP_WINDOW_MS: 0 } as SchedulerConfig, logger);
    monitor.onApplicationBootstrap();
  };

  it('keeps handling heartbeats after reading a node stream failed once', async () => {
    const store = new FakeStore();
    start(store);
    store.failReads = 1;
    store.beat('a'); // its first heartbeat: the stream read fails
    await sleep(20);
    store.beat('a');
    store.beat('b');
    await sleep(20);
    // Both fall silent: both are judged.
    await sleep(900);
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeWentDown']);
    expect(store.liveness('b')).toEqual(['NodeCameBack', 'NodeWentDown']);
  });

  it('records a node back when its heartbeat arrives while its going-down is being recorded', async () => {
    const store = new FakeStore();
    start(store);
    store.beat('a');
    await sleep(50);
    store.appendDelayMs = 300;
    // Silent past NODE_DOWN_AFTER_MS: NodeWentDown is being appended (slowly) ...
    await sleep(700);
    // ... when the node speaks again, and keeps speaking.
    for (let i = 0; i < 15; i++) { store.beat('a'); await sleep(100); }
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeWentDown', 'NodeCameBack']);
  });

  it('counts a node up once heard, and not before', async () => {
    const store = new FakeStore();
    start(store);
    await sleep(700);
    expect(store.liveness('a')).toEqual([]);
    store.beat('a');
    await sleep(50);
    expect(store.liveness('a')).toEqual(['NodeCameBack']);
  });

  it('a node back from down serves its probation: short silences and flaps do not bring it up', async () => {
    const store = new FakeStore();
    start(store);
    store.beat('a');
    await sleep(800); // up, then down
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeWentDown']);
    store.beat('a');
    await sleep(200);
    store.beat('a'); // heard for 200 ms of its 300 ms probation, then silent again
    await sleep(700);
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeWentDown']);
    for (let i = 0; i < 5; i++) { store.beat('a'); await sleep(100); }
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeWentDown', 'NodeCameBack']);
  });

  it('judges no node while its own connection was down: the silence was its own', async () => {
    const store = new FakeStore();
    start(store);
    store.beat('a');
    await sleep(50);
    store.offline = true;
    store.status.push({ type: 'disconnect' });
    await sleep(800);
    store.offline = false;
    store.status.push({ type: 'reconnect' });
    // The agent's next heartbeat comes within its interval of the reconnection.
    await sleep(200);
    for (let i = 0; i < 5; i++) { store.beat('a'); await sleep(100); }
    expect(store.liveness('a')).toEqual(['NodeCameBack']);
  });

  it('records a transition at the revision it last saw, without reading the stream again; a stream that moved since is read afresh', async () => {
    const store = new FakeStore();
    start(store);
    store.beat('a');
    store.beat('b');
    await sleep(50);
    // One read per node (its first heartbeat); NodeCameBack appended at what that read said.
    expect(store.reads).toBe(2);
    expect(store.liveness('a')).toEqual(['NodeCameBack']);
    // a's stream moves behind the monitor's back; b's does not.
    store.appendElsewhere('a', makeEvent('NodeCameBack', Subjects.node('a'), { nodeId: 'a' }));
    store.appendElsewhere('a', makeEvent('NodeWentDown', Subjects.node('a'), { nodeId: 'a', lastSeen: new Date().toISOString() }));
    store.appendElsewhere('a', makeEvent('NodeCameBack', Subjects.node('a'), { nodeId: 'a' }));
    await sleep(900);
    // Both silent: b's NodeWentDown went in without a read; a's append was refused, a read, then stored.
    expect(store.liveness('b')).toEqual(['NodeCameBack', 'NodeWentDown']);
    expect(store.liveness('a')).toEqual(['NodeCameBack', 'NodeCameBack', 'NodeWentDown', 'NodeCameBack', 'NodeWentDown']);
    expect(store.reads).toBe(3);
  });

  it('ignores a heartbeat that names another node than its subject', async () => {
    const store = new FakeStore();
    start(store);
    store.beat('a', 'b');
    await sleep(900);
    expect(store.liveness('a')).toEqual([]);
    expect(store.liveness('b')).toEqual([]);
  });
});
