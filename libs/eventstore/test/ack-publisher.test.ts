import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers } from '@nats-io/transport-node';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { AckPublisher, ConcurrencyError, NO_STREAM, PublishAckError, PublishHeaders } from '@fluxplane/eventstore';
import { eventStoreFixture, type EventStoreFixture } from '@fluxplane/testkit';

const nodeEvent = (nodeId: string, eps: number) => makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
  nodeId, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 4000, eps, diskWriteMbps: 100, benchVersion: 't',
});

/** The appends' own publish path (EventStore.append goes through an AckPublisher). */
describe('AckPublisher: pipelined JetStream publishes with their acknowledgements', () => {
  let fx: EventStoreFixture;
  beforeAll(async () => { fx = await eventStoreFixture(); });
  afterAll(() => fx?.close());

  it('stores every one of many appends in flight at once, once each, chained per subject', async () => {
    const subjects = 300;
    const perSubject = 4;
    // Every subject's events chained on its revision (expected last subject sequence), all subjects at once.
    const results = await Promise.all(Array.from({ length: subjects }, async (_, i) => {
      let revision = NO_STREAM;
      const seqs: number[] = [];
      for (let k = 0; k < perSubject; k++) {
        const r = await fx.store.append(Subjects.node(`pipe-${i}`), [nodeEvent(`pipe-${i}`, k)], revision);
        revision = r.revision;
        seqs.push(...r.seqs);
      }
      return seqs;
    }));
    const all = results.flat();
    expect(new Set(all).size).toBe(subjects * perSubject);
    // What the stream holds per subject is exactly what was appended, in order.
    for (const i of [0, 17, subjects - 1]) {
      const read = await fx.store.readStream(Subjects.node(`pipe-${i}`));
      expect(read.events.map((e) => e.seq)).toEqual(results[i]);
      expect(read.events.map((e) => (e.event.type === 'NodeBenchmarked' ? e.event.data.eps : -1))).toEqual([0, 1, 2, 3]);
    }
  });

  it('turns a wrong last subject sequence into a ConcurrencyError and stores nothing of it', async () => {
    const s = Subjects.node('pipe-conflict');
    const first = await fx.store.append(s, [nodeEvent('pipe-conflict', 1)], NO_STREAM);
    const racing = await Promise.allSettled([
      fx.store.append(s, [nodeEvent('pipe-conflict', 2)], first.revision),
      fx.store.append(s, [nodeEvent('pipe-conflict', 3)], first.revision),
    ]);
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = racing.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ConcurrencyError);
    expect((await fx.store.readStream(s)).events).toHaveLength(2);
  });

  it('reports a duplicate (same message id) with the first copy\'s sequence', async () => {
    const e = nodeEvent('pipe-dup', 1);
    const [a, b] = await Promise.all([fx.store.append(e.subject, [e], NO_STREAM), fx.store.append(e.subject, [e], NO_STREAM)].map((p) => p.catch((err) => err)));
    // Sent back to back: the first is stored, the second is either a duplicate of it or a conflict.
    const ok = [a, b].filter((r) => !(r instanceof Error));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    const again = await fx.store.append(e.subject, [e], NO_STREAM);
    expect(again.duplicates).toBe(1);
    expect(again.revision).toBe(ok[0].revision);
    expect((await fx.store.readStream(e.subject)).events).toHaveLength(1);
  });

  it('stores the headers an append sends, encoded as the client encodes them', async () => {
    const e = nodeEvent('pipe-headers', 5);
    const r = await fx.store.append(e.subject, [e], NO_STREAM);
    const stored = await fx.store.jsm.streams.getMessage(fx.store.stream, { seq: r.revision });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(e.id);
    expect(stored?.header.get('Fp-Event-Type')).toBe('NodeBenchmarked');
    const entries = [['Nats-Msg-Id', 'abc'], ['Fp-Event-Type', 'X'], ['Nats-Expected-Last-Subject-Sequence', '42']] as const;
    const h = headers();
    for (const [k, v] of entries) h.set(k, v);
    // The client's MsgHdrs type does not declare encode(); its implementation (what publish calls) does.
    const clientBytes = (h as unknown as { encode(): Uint8Array }).encode();
    expect(new TextDecoder().decode(new PublishHeaders(entries).encode())).toBe(new TextDecoder().decode(clientBytes));
    expect(() => new PublishHeaders([['Nats-Msg-Id', 'a\r\nNats-Expected-Last-Subject-Sequence: 1']])).toThrow(/cannot contain/);
    expect(() => new PublishHeaders([['Bad Name', 'x']])).toThrow(/invalid header name/);
  });

  it('fails a publish no stream answers, and one not acknowledged in time, and forgets both', async () => {
    const p = new AckPublisher(fx.store.nc, '_INBOX', 300);
    // No stream and no subscriber: the server answers 503 at once.
    await expect(p.publish('nostream.here', 'x', headers())).rejects.toBeInstanceOf(PublishAckError);
    // A subscriber that never answers: no acknowledgement, the sweep expires it.
    const mute = fx.store.nc.subscribe('mute.subject', { callback: () => undefined });
    await fx.store.nc.flush();
    const started = Date.now();
    await expect(p.publish('mute.subject', 'x', headers())).rejects.toThrow(/no JetStream acknowledgement within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(p.inFlight).toBe(0);
    mute.unsubscribe();
    p.close();
  });

  it('does not fail a publish whose acknowledgement came while the process was held (a long GC pause)', async () => {
    const p = new AckPublisher(fx.store.nc, '_INBOX', 200);
    const warm = await p.publish(Subjects.node('held-0'), JSON.stringify(nodeEvent('held-0', 0)), headers());
    const pending = Promise.allSettled(Array.from({ length: 20 }, (_, i) =>
      p.publish(Subjects.node(`held-${i + 1}`), JSON.stringify(nodeEvent(`held-${i + 1}`, 1)), headers())));
    // Held for five ack timeouts right after publishing (the client writes on a microtask, so the
    // messages are sent): the stream acknowledges meanwhile, unread.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    const until = Date.now() + 1000;
    while (Date.now() < until) { /* busy: the event loop cannot read the acknowledgements */ }
    const settled = await pending;
    expect(settled.map((r) => r.status)).toEqual(Array(20).fill('fulfilled'));
    expect(warm.seq).toBeGreaterThan(0);
    // The clock still runs while the process listens: an unanswered publish fails in time.
    const mute = fx.store.nc.subscribe('mute.held', { callback: () => undefined });
    await fx.store.nc.flush();
    const started = Date.now();
    await expect(p.publish('mute.held', 'x', headers())).rejects.toThrow(/no JetStream acknowledgement within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    mute.unsubscribe();
    p.close();
  });

  it('fails what is waiting when closed, and refuses publishes after', async () => {
    const p = new AckPublisher(fx.store.nc, '_INBOX', 60_000);
    const mute = fx.store.nc.subscribe('mute.close', { callback: () => undefined });
    await fx.store.nc.flush();
    const waiting = p.publish('mute.close', 'x', headers());
    p.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(p.publish('mute.close', 'x', headers())).rejects.toThrow(/closed/);
    mute.unsubscribe();
  });
});
