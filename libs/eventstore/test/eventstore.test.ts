import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource, EntityManager } from 'typeorm';
import { RetentionPolicy } from '@nats-io/jetstream';
import { DomainEvent, makeEvent, Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, NO_STREAM, Projection, ProjectionRunner, ProjectionRunnerOptions } from '@fluxplane/eventstore';
import { eventStoreFixture, EventStoreWithDatabaseFixture, waitUntil } from '@fluxplane/testkit';

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
  let fx: EventStoreWithDatabaseFixture;
  beforeAll(async () => { fx = await eventStoreFixture({ database: 'es' }); });
  afterAll(() => fx?.close());

  /** A started runner of `projection` on the fixture's store and database. */
  async function startRunner(projection: Projection, options: ProjectionRunnerOptions): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner(fx.store, fx.ds, projection, options);
    await runner.start();
    return runner;
  }
  /** A CountingProjection `name` with its started runner, in schema `<name>_test`. */
  async function startCounting(name: string) {
    const projection = new CountingProjection(name);
    return { projection, runner: await startRunner(projection, { schema: `${name}_test` }) };
  }

  it('creates a file-backed stream and appends with revisions', async () => {
    const info = await fx.store.jsm.streams.info(fx.store.stream);
    expect(info.config.storage).toBe('file');
    const s = Subjects.node('n-rev');
    const r1 = await fx.store.append(s, [nodeEvent('n-rev', 1)], NO_STREAM);
    const r2 = await fx.store.append(s, [nodeEvent('n-rev', 2), nodeEvent('n-rev', 3)], r1.revision);
    const read = await fx.store.readStream(s);
    expect(read.revision).toBe(r2.revision);
    expect(read.events.map((e) => (e.event.type === 'NodeBenchmarked' ? e.event.data.eps : -1))).toEqual([1, 2, 3]);
  });

  it('rejects a concurrent append decided from a stale revision', async () => {
    const s = Subjects.node('n-conflict');
    const first = await fx.store.append(s, [nodeEvent('n-conflict', 1)], NO_STREAM);
    await expect(fx.store.append(s, [nodeEvent('n-conflict', 2)], NO_STREAM)).rejects.toBeInstanceOf(ConcurrencyError);
    await fx.store.append(s, [nodeEvent('n-conflict', 3)], first.revision);
    // A second writer that read revision `first` loses.
    await expect(fx.store.append(s, [nodeEvent('n-conflict', 4)], first.revision)).rejects.toBeInstanceOf(ConcurrencyError);
    const read = await fx.store.readStream(s);
    expect(read.events).toHaveLength(2);
  });

  it('stores a retried append with the same event id once', async () => {
    const s = Subjects.node('n-retry');
    const e = nodeEvent('n-retry', 7);
    const a = await fx.store.append(s, [e], NO_STREAM);
    const b = await fx.store.append(s, [e], NO_STREAM);
    expect(b.duplicates).toBe(1);
    expect(b.revision).toBe(a.revision);
    expect((await fx.store.readStream(s)).events).toHaveLength(1);
  });

  it('applies each event exactly once when killed between commit and ack', async () => {
    const projection = new CountingProjection('crashy');
    const crashStore = await EventStore.connect({ servers: fx.nats.url });
    const subjects = ['a', 'b', 'c'].map((n) => Subjects.node(`crash-${n}`));
    const seqs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const node = `crash-${'abc'[i % 3]}`;
      const r = await fx.store.append(subjects[i % 3]!, [nodeEvent(node, i)], 'any');
      seqs.push(r.revision);
    }
    const crashAt = seqs[12]!;
    let crashed = false;
    const first = new ProjectionRunner(crashStore, fx.ds, projection, {
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
    // The batch holding crashAt is committed (it may hold later events too); none of it was acked.
    const before = await projection.rows(fx.ds);
    expect(before.map((r) => r.seq)).toContain(crashAt);

    const restarted = await startRunner(projection, { schema: 'crash_test' });
    await restarted.waitFor(seqs.at(-1)!);
    const rows = (await projection.rows(fx.ds)).filter((r) => r.node.startsWith('crash-'));
    expect(rows.map((r) => r.seq)).toEqual(seqs);
    expect(rows.map((r) => r.eps)).toEqual([...Array(30).keys()]);
    await restarted.stop();
  });

  it('skips an event redelivered after its transaction committed', async () => {
    const projection = new CountingProjection('redeliver');
    const runner = new ProjectionRunner(fx.store, fx.ds, projection, { schema: 'redeliver_test', ackWaitMs: 1000 });
    const s = Subjects.node('redeliver');
    let dropAck = true;
    const r = await fx.store.append(s, [nodeEvent('redeliver', 1)], 'any');
    const slow = new ProjectionRunner(fx.store, fx.ds, projection, {
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
    expect((await projection.rows(fx.ds)).filter((x) => x.node === 'redeliver')).toHaveLength(1);
    await runner.stop();
  });

  it('parks a poison event with its error and moves on', async () => {
    const projection = new CountingProjection('poison', 666);
    const runner = await startRunner(projection, { schema: 'poison_test', maxAttempts: 3, backoffInitialMs: 10 });
    const s = Subjects.node('poison');
    await fx.store.append(s, [nodeEvent('poison', 1)], 'any');
    const bad = await fx.store.append(s, [nodeEvent('poison', 666)], 'any');
    // A message that is not a valid event at all.
    await fx.store.js.publish('evt.node.garbage', '{"not":"an event"');
    const last = await fx.store.append(s, [nodeEvent('poison', 2)], 'any');
    await runner.waitFor(last.revision);
    const rows = (await projection.rows(fx.ds)).filter((r) => r.node === 'poison');
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
    const { projection, runner } = await startCounting('rebuild');
    for (let i = 0; i < 20; i++) await fx.store.append(Subjects.node(`rb-${i % 4}`), [nodeEvent(`rb-${i % 4}`, 1000 + i)], 'any');
    await runner.catchUp();
    const live = await projection.rows(fx.ds);
    expect(live.length).toBeGreaterThan(20);
    await runner.rebuild();
    await runner.catchUp();
    expect(await projection.rows(fx.ds)).toEqual(live);
    await runner.stop();
  });

  it('rebuilds from sequence 1, in the new shape, when a projection\'s version changes', async () => {
    const v1 = new CountingProjection('reshaped');
    const runner1 = await startRunner(v1, { schema: 'reshaped_test' });
    for (let i = 0; i < 5; i++) await fx.store.append(Subjects.node('rs'), [nodeEvent('rs', 2000 + i)], 'any');
    await runner1.catchUp();
    const before = await v1.rows(fx.ds);
    await runner1.stop();
    // Version 2 of the same projection keeps its rows in another shape: one column more, old table dropped.
    const dropped: string[] = [];
    const v2 = Object.assign(new CountingProjection('reshaped'), {
      version: 2,
      async drop(em: EntityManager) { dropped.push('log'); await em.query('DROP TABLE "reshaped_log"'); },
    });
    const runner2 = await startRunner(v2, { schema: 'reshaped_test' });
    await runner2.catchUp();
    expect(dropped).toEqual(['log']);
    expect(await v2.rows(fx.ds)).toEqual(before);
    await runner2.stop();
    // Started again at the same version, it keeps its rows and its position.
    const again = await startRunner(v2, { schema: 'reshaped_test' });
    await again.catchUp();
    expect(dropped).toEqual(['log']);
    expect(await v2.rows(fx.ds)).toEqual(before);
    await again.stop();
  });

  it('recreates its consumer from the checkpoint when the consumer is deleted under it', async () => {
    // The client library would poll for the missing consumer forever: the projection stalled silently.
    const { projection, runner } = await startCounting('deleted');
    const before = await fx.store.append(Subjects.node('deleted'), [nodeEvent('deleted', 1)], 'any');
    await runner.waitFor(before.revision);
    await fx.store.jsm.consumers.delete(fx.store.stream, runner.durableName);
    const after = await fx.store.append(Subjects.node('deleted'), [nodeEvent('deleted', 2)], 'any');
    await waitUntil(async () => (await projection.rows(fx.ds)).some((r) => r.seq === after.revision), { what: 'event after the consumer was deleted', timeoutMs: 15_000 });
    expect((await projection.rows(fx.ds)).filter((r) => r.node === 'deleted').map((r) => r.eps)).toEqual([1, 2]);
    await runner.stop();
  });

  it('fails a wait on a stopped runner at once instead of spinning until its timeout', async () => {
    // A reactor waiting for catch-up while the service shuts down held shutdown past its deadline.
    const { runner } = await startCounting('stopped');
    await runner.stop();
    const r = await fx.store.append(Subjects.node('stopped'), [nodeEvent('stopped', 1)], 'any');
    const t0 = Date.now();
    await expect(runner.waitFor(r.revision, 5000)).rejects.toThrow(/stopped/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses an existing stream that would drop events', async () => {
    await fx.store.jsm.streams.add({ name: 'AGED', subjects: ['aged.>'], max_age: 3_600_000_000_000 });
    await expect(EventStore.connect({ servers: fx.nats.url, stream: 'AGED', subjects: ['aged.>'] })).rejects.toThrow(/AGED.*max_age/);
    await fx.store.jsm.streams.add({ name: 'WORKQ', subjects: ['wq.>'], retention: RetentionPolicy.Workqueue });
    await expect(EventStore.connect({ servers: fx.nats.url, stream: 'WORKQ', subjects: ['wq.>'] })).rejects.toThrow(/WORKQ.*retention/);
  });

  it('keeps going when NATS restarts', async () => {
    const { projection, runner } = await startCounting('outage');
    const before = await fx.store.append(Subjects.node('outage'), [nodeEvent('outage', 1)], 'any');
    await runner.waitFor(before.revision);
    await fx.nats.kill();
    await fx.nats.restart();
    const after = await waitUntil(() => fx.store.append(Subjects.node('outage'), [nodeEvent('outage', 2)], 'any'), { what: 'append after restart', timeoutMs: 20_000 });
    await runner.waitFor(after.revision, 20_000);
    expect((await projection.rows(fx.ds)).filter((r) => r.node === 'outage').map((r) => r.eps)).toEqual([1, 2]);
    await runner.stop();
  });
});
