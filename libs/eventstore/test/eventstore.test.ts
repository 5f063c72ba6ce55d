import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource, EntityManager } from 'typeorm';
import { RetentionPolicy } from '@nats-io/jetstream';
import { DomainEvent, makeEvent, Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, NO_STREAM, Projection, ProjectionRunner } from '@fluxplane/eventstore';
import { createTestDatabase, startNats, TestDatabase, TestNats, waitUntil } from '@fluxplane/testkit';

function nodeEvent(nodeId: string, eps = 100) {
  return makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
    nodeId, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 4000, eps, diskWriteMbps: 100, benchVersion: 't',
  });
}

/** Counts events per node; `log` keeps one row per application so a double apply is visible. */
class CountingProjection implements Projection {
  readonly subjects = ['evt.node.>'];
  constructor(readonly name: string, private readonly failOnEps?: number) {}
  async setup(em: EntityManager) {
    await em.query(`CREATE TABLE IF NOT EXISTS "${this.name}_log" (seq bigint, node text, eps int)`);
  }
  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }) {
    if (e.type !== 'NodeBenchmarked') return;
    if (this.failOnEps !== undefined && e.data.eps === this.failOnEps) throw new Error('poison: cannot apply');
    await em.query(`INSERT INTO "${this.name}_log" (seq, node, eps) VALUES ($1, $2, $3)`, [ctx.seq, e.data.nodeId, e.data.eps]);
  }
  async reset(em: EntityManager) {
    await em.query(`DELETE FROM "${this.name}_log"`);
  }
  async rows(ds: DataSource): Promise<Array<{ seq: number; node: string; eps: number }>> {
    const r = await ds.query(`SELECT seq, node, eps FROM "${this.name}_log" ORDER BY seq`);
    return r.map((x: { seq: string; node: string; eps: number }) => ({ ...x, seq: Number(x.seq) }));
  }
}

describe('event store on JetStream', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let store: EventStore;
  let ds: DataSource;

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('es');
    store = await EventStore.connect({ servers: nats.url });
    ds = await db.dataSource();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
    await nats?.stop();
  });

  it('creates a file-backed stream and appends with revisions', async () => {
    const info = await store.jsm.streams.info(store.stream);
    expect(info.config.storage).toBe('file');
    const s = Subjects.node('n-rev');
    const r1 = await store.append(s, [nodeEvent('n-rev', 1)], NO_STREAM);
    const r2 = await store.append(s, [nodeEvent('n-rev', 2), nodeEvent('n-rev', 3)], r1.revision);
    const read = await store.readStream(s);
    expect(read.revision).toBe(r2.revision);
    expect(read.events.map((e) => (e.event.type === 'NodeBenchmarked' ? e.event.data.eps : -1))).toEqual([1, 2, 3]);
  });

  it('rejects a concurrent append decided from a stale revision', async () => {
    const s = Subjects.node('n-conflict');
    const first = await store.append(s, [nodeEvent('n-conflict', 1)], NO_STREAM);
    await expect(store.append(s, [nodeEvent('n-conflict', 2)], NO_STREAM)).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append(s, [nodeEvent('n-conflict', 3)], first.revision);
    // A second writer that read revision `first` loses.
    await expect(store.append(s, [nodeEvent('n-conflict', 4)], first.revision)).rejects.toBeInstanceOf(ConcurrencyError);
    const read = await store.readStream(s);
    expect(read.events).toHaveLength(2);
  });

  it('stores a retried append with the same event id once', async () => {
    const s = Subjects.node('n-retry');
    const e = nodeEvent('n-retry', 7);
    const a = await store.append(s, [e], NO_STREAM);
    const b = await store.append(s, [e], NO_STREAM);
    expect(b.duplicates).toBe(1);
    expect(b.revision).toBe(a.revision);
    expect((await store.readStream(s)).events).toHaveLength(1);
  });

  it('applies each event exactly once when killed between commit and ack', async () => {
    const projection = new CountingProjection('crashy');
    const crashStore = await EventStore.connect({ servers: nats.url });
    const subjects = ['a', 'b', 'c'].map((n) => Subjects.node(`crash-${n}`));
    const seqs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const node = `crash-${'abc'[i % 3]}`;
      const r = await store.append(subjects[i % 3]!, [nodeEvent(node, i)], 'any');
      seqs.push(r.revision);
    }
    const crashAt = seqs[12]!;
    let crashed = false;
    const first = new ProjectionRunner(crashStore, ds, projection, {
      schema: 'crash_test',
      afterCommit: async (seq) => {
        if (seq === crashAt && !crashed) {
          crashed = true;
          // The process dies here: the transaction is committed, the ack never leaves.
          await crashStore.nc.close();
          await new Promise(() => undefined);
        }
      },
    });
    await first.start();
    await waitUntil(() => crashed, { what: 'crash' });
    const before = await projection.rows(ds);
    expect(before.at(-1)?.seq).toBe(crashAt);

    const restarted = new ProjectionRunner(store, ds, projection, { schema: 'crash_test' });
    await restarted.start();
    await restarted.waitFor(seqs.at(-1)!);
    const rows = (await projection.rows(ds)).filter((r) => r.node.startsWith('crash-'));
    expect(rows.map((r) => r.seq)).toEqual(seqs);
    expect(rows.map((r) => r.eps)).toEqual([...Array(30).keys()]);
    await restarted.stop();
  });

  it('skips an event redelivered after its transaction committed', async () => {
    const projection = new CountingProjection('redeliver');
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'redeliver_test', ackWaitMs: 1000 });
    const s = Subjects.node('redeliver');
    let dropAck = true;
    const r = await store.append(s, [nodeEvent('redeliver', 1)], 'any');
    const slow = new ProjectionRunner(store, ds, projection, {
      schema: 'redeliver_test',
      ackWaitMs: 1000,
      afterCommit: async () => {
        if (dropAck) { dropAck = false; await new Promise((res) => setTimeout(res, 1500)); }
      },
    });
    await slow.start();
    await slow.waitFor(r.revision);
    await new Promise((res) => setTimeout(res, 1200));
    await slow.stop();
    await runner.start();
    await runner.catchUp();
    expect((await projection.rows(ds)).filter((x) => x.node === 'redeliver')).toHaveLength(1);
    await runner.stop();
  });

  it('parks a poison event with its error and moves on', async () => {
    const projection = new CountingProjection('poison', 666);
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'poison_test', maxAttempts: 3, backoffInitialMs: 10 });
    await runner.start();
    const s = Subjects.node('poison');
    await store.append(s, [nodeEvent('poison', 1)], 'any');
    const bad = await store.append(s, [nodeEvent('poison', 666)], 'any');
    // A message that is not a valid event at all.
    await store.js.publish('evt.node.garbage', '{"not":"an event"');
    const last = await store.append(s, [nodeEvent('poison', 2)], 'any');
    await runner.waitFor(last.revision);
    const rows = (await projection.rows(ds)).filter((r) => r.node === 'poison');
    expect(rows.map((r) => r.eps)).toEqual([1, 2]);
    const parked = await runner.parked();
    expect(parked.map((p) => p.seq)).toContain(bad.revision);
    const poison = parked.find((p) => p.seq === bad.revision)!;
    expect(poison.error).toMatch(/poison: cannot apply/);
    expect(poison.attempts).toBe(3);
    expect(parked.find((p) => p.subject === 'evt.node.garbage')?.error).toMatch(/unparseable payload/);
    await runner.stop();
  });

  it('rebuilds from sequence 1 to the same read model as the live one', async () => {
    const projection = new CountingProjection('rebuild');
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'rebuild_test' });
    await runner.start();
    for (let i = 0; i < 20; i++) await store.append(Subjects.node(`rb-${i % 4}`), [nodeEvent(`rb-${i % 4}`, 1000 + i)], 'any');
    await runner.catchUp();
    const live = await projection.rows(ds);
    expect(live.length).toBeGreaterThan(20);
    await runner.rebuild();
    await runner.catchUp();
    expect(await projection.rows(ds)).toEqual(live);
    await runner.stop();
  });

  it('recreates its consumer from the checkpoint when the consumer is deleted under it', async () => {
    // The client library would poll for the missing consumer forever: the projection stalled silently.
    const projection = new CountingProjection('deleted');
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'deleted_test' });
    await runner.start();
    const before = await store.append(Subjects.node('deleted'), [nodeEvent('deleted', 1)], 'any');
    await runner.waitFor(before.revision);
    await store.jsm.consumers.delete(store.stream, runner.durableName);
    const after = await store.append(Subjects.node('deleted'), [nodeEvent('deleted', 2)], 'any');
    await waitUntil(async () => (await projection.rows(ds)).some((r) => r.seq === after.revision), { what: 'event after the consumer was deleted', timeoutMs: 15_000 });
    expect((await projection.rows(ds)).filter((r) => r.node === 'deleted').map((r) => r.eps)).toEqual([1, 2]);
    await runner.stop();
  });

  it('fails a wait on a stopped runner at once instead of spinning until its timeout', async () => {
    // A reactor waiting for catch-up while the service shuts down held shutdown past its deadline.
    const projection = new CountingProjection('stopped');
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'stopped_test' });
    await runner.start();
    await runner.stop();
    const r = await store.append(Subjects.node('stopped'), [nodeEvent('stopped', 1)], 'any');
    const t0 = Date.now();
    await expect(runner.waitFor(r.revision, 5000)).rejects.toThrow(/stopped/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses an existing stream that would drop events', async () => {
    await store.jsm.streams.add({ name: 'AGED', subjects: ['aged.>'], max_age: 3_600_000_000_000 });
    await expect(EventStore.connect({ servers: nats.url, stream: 'AGED', subjects: ['aged.>'] })).rejects.toThrow(/AGED.*max_age/);
    await store.jsm.streams.add({ name: 'WORKQ', subjects: ['wq.>'], retention: RetentionPolicy.Workqueue });
    await expect(EventStore.connect({ servers: nats.url, stream: 'WORKQ', subjects: ['wq.>'] })).rejects.toThrow(/WORKQ.*retention/);
  });

  it('keeps going when NATS restarts', async () => {
    const projection = new CountingProjection('outage');
    const runner = new ProjectionRunner(store, ds, projection, { schema: 'outage_test' });
    await runner.start();
    const before = await store.append(Subjects.node('outage'), [nodeEvent('outage', 1)], 'any');
    await runner.waitFor(before.revision);
    await nats.kill();
    await nats.restart();
    const after = await waitUntil(() => store.append(Subjects.node('outage'), [nodeEvent('outage', 2)], 'any'), { what: 'append after restart', timeoutMs: 20_000 });
    await runner.waitFor(after.revision, 20_000);
    expect((await projection.rows(ds)).filter((r) => r.node === 'outage').map((r) => r.eps)).toEqual([1, 2]);
    await runner.stop();
  });
});
