import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy } from '@nats-io/jetstream';
import { makeEvent, Subjects, type EventEnvelope } from '@fluxplane/contracts';
import { createTestDatabase, freePort, natsServer210, readJson, startConfiguredNats, waitUntil, type ConfiguredNats, type TestDatabase } from '@fluxplane/testkit';
import type { DataSource } from 'typeorm';
import { ANY, EventStore, KvLease, ProjectionRunner, type Projection } from '../src';

/**
 * The event stream on a NATS cluster of three (2.10, replicas 3, `sync_interval: always`): a storm
 * of appends while the stream's leader is SIGKILLed loses no acknowledged event and the writers
 * carry on; restarted, the server catches up (its own copy of the stream, per its /jsz).
 */
/** The last `n` lines of a file, or why it could not be read. */
function tailOf(file: string, n: number): string {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n'); } catch (err) { return String(err); }
}

describe('event store on a NATS cluster of three', () => {
  const STREAM = 'FP_CLUSTER_TEST';
  const servers: ConfiguredNats[] = [];
  const monitor: number[] = [];
  let root: string;
  let store: EventStore;
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    const bin = natsServer210();
    root = mkdtempSync(join(tmpdir(), 'fp-nats-cluster-'));
    const client = [await freePort(), await freePort(), await freePort()];
    const routes = [await freePort(), await freePort(), await freePort()];
    for (let i = 0; i < 3; i++) monitor.push(await freePort());
    const routeList = routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    // Started together: JetStream's meta group needs two of three to elect a leader.
    servers.push(...await Promise.all([0, 1, 2].map((i) => {
      return startConfiguredNats({
        bin,
        port: client[i],
        dir: mkdtempSync(join(root, `s${i}-`)),
        config: (port, d) => [
          `server_name: s${i}`,
          `listen: 127.0.0.1:${port}`,
          `http: 127.0.0.1:${monitor[i]}`,
          `jetstream { store_dir: ${JSON.stringify(join(d, 'js'))}, sync_interval: always }`,
          `cluster { name: fp-test, listen: 127.0.0.1:${routes[i]}, routes: [${routeList}] }`,
          '',
        ].join('\n'),
      });
    })));
    // The first connect may come before the meta leader is elected: retry until the stream exists.
    // Created with one replica (as by a service started with the default), then scaled to three; each
    // step retried on its own, so a retry never scales a half-raised stream back down.
    let created = false;
    let lastError = '';
    await waitUntil(async () => {
      try {
        if (!created) {
          const first = await EventStore.connect({ servers: servers.map((s) => s.url), stream: STREAM, subjects: ['evt.>'], replicas: 1 });
          await first.close();
          created = true;
        }
        store = await EventStore.connect({ servers: servers.map((s) => s.url), stream: STREAM, subjects: ['evt.>'], replicas: 3 });
        return true;
      } catch (err) {
        lastError = String(err);
        return false;
      }
    }, { timeoutMs: 100_000, intervalMs: 500, what: 'the R3 event stream on the cluster' }).catch((err: unknown) => {
      // Each server's own view (its JetStream peers) and its last log lines: why placement found no peers.
      const views = servers.map((s, i) => `s${i} (${s.dir}):\n${tailOf(join(s.dir, 'server.log'), 25)}`).join('\n');
      throw new Error(`${String(err)} (last error: ${lastError})\n${views}`);
    });
    db = await createTestDatabase('cluster');
    ds = await db.dataSource();
  }, 180_000);

  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    for (const s of servers) await s.stop().catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** This server's own copy of the stream, from its monitoring endpoint. */
  const localState = async (i: number): Promise<{ messages: number; last_seq: number } | undefined> => {
    const res = await fetch(`http://127.0.0.1:${monitor[i]}/jsz?accounts=true&streams=true`).catch(() => undefined);
    if (!res?.ok) return undefined;
    const jsz = await readJson<{ account_details?: Array<{ stream_detail?: Array<{ name: string; state: { messages: number; last_seq: number } }> }> }>(res);
    return jsz?.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === STREAM)?.state;
  };

  it('keeps every acknowledged append through a SIGKILL of the stream leader, and the server catches up', async () => {
    const info = await store.jsm.streams.info(STREAM);
    expect(info.config.num_replicas).toBe(3);
    // a process started with fewer replicas leaves them as they are
    const older = await EventStore.connect({ servers: servers.map((s) => s.url), stream: STREAM, subjects: ['evt.>'], replicas: 1 });
    await older.close();
    await waitUntil(async () => (await store.jsm.streams.info(STREAM)).cluster?.replicas?.length === 2, { timeoutMs: 30_000, what: 'two followers of the stream leader' });
    expect((await store.jsm.streams.info(STREAM)).config.num_replicas).toBe(3);
    const leader = (await store.jsm.streams.info(STREAM)).cluster?.leader;
    const victim = Math.max(0, ['s0', 's1', 's2'].indexOf(leader ?? 's0'));

    // A service's projection (with its lease in an R3 bucket) applies the storm as it comes.
    const projection: Projection = {
      name: 'storm',
      subjects: ['evt.app.>'],
      async setup(em) { await em.query('CREATE TABLE IF NOT EXISTS cluster_test.applied (seq bigint NOT NULL, id text NOT NULL)'); },
      async apply(event, em, ctx) { await em.query('INSERT INTO cluster_test.applied (seq, id) VALUES ($1, $2)', [ctx.seq, event.id]); },
      async reset(em) { await em.query('DELETE FROM cluster_test.applied'); },
    };
    const runner = new ProjectionRunner(store, ds, projection, {
      schema: 'cluster_test',
      lease: new KvLease(() => KvLease.openBucket(store.nc, undefined, 3), 'cluster_test.storm', { holder: 'r1', ttlMs: 3_000 }),
    });
    await runner.start();
    expect(runner.isActive).toBe(true);

    const acked = new Set<string>();
    let ackedAfterKill = 0;
    let killedAt = 0;
    let stop = false;
    let retries = 0;
    const writer = async (w: number) => {
      const subject = Subjects.app(`storm-${w}`);
      for (let k = 0; !stop; k++) {
        const event: EventEnvelope = makeEvent('AppExpired', subject, { name: `storm-${w}`, hash: 'a'.repeat(64), height: k }, { id: `storm-${w}-${k}` });
        // Retried with the same id until acknowledged: JetStream stores it once (Nats-Msg-Id).
        for (let attempt = 0; ; attempt++) {
          try {
            await store.append(subject, [event], ANY);
            acked.add(event.id);
            if (killedAt > 0) ackedAfterKill++;
            break;
          } catch (err) {
            if (attempt > 200) throw err;
            retries++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await waitUntil(() => acked.size >= 200, { timeoutMs: 30_000, what: '200 appends before the kill' });
    await servers[victim]!.kill();
    killedAt = Date.now();
    await waitUntil(() => ackedAfterKill >= 300, { timeoutMs: 60_000, what: '300 appends acknowledged after the kill' });
    stop = true;
    await Promise.all(writers);

    // Every acknowledged event is in the stream, once. (Reads during the cluster's re-election may
    // time out: read again until one goes through.)
    const readAll = async () => {
      const last = await store.lastSequence();
      const got: string[] = [];
      const consumer = await store.js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.All });
      const iter = await consumer.consume({ max_messages: 1000 });
      for await (const m of iter) {
        got.push((m.json() as { id: string }).id);
        if (m.seq >= last) break;
      }
      await iter.close();
      return { total: last, ids: got };
    };
    let read: { total: number; ids: string[] } | undefined;
    await waitUntil(async () => {
      read = await readAll().catch(() => undefined);
      return read !== undefined;
    }, { timeoutMs: 60_000, what: 'a read of the whole stream' });
    const { total, ids } = read!;
    expect(new Set(ids).size).toBe(ids.length);
    const stored = new Set(ids);
    const lost = [...acked].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);

    process.stdout.write(`cluster storm: ${JSON.stringify({ leaderKilled: leader, acked: acked.size, ackedAfterKill, stored: ids.length, retries })}\n`);
    // The killed server comes back and catches up: its own copy equals the others'.
    await servers[victim]!.restart();
    await waitUntil(async () => {
      const states = await Promise.all([0, 1, 2].map(localState));
      return states.every((s) => s?.messages === total && s.last_seq === total);
    }, { timeoutMs: 60_000, what: `every server's copy of ${STREAM} at ${total} messages` });

    // The projection carried on through the kill: every event applied once.
    await waitUntil(async () => {
      const rows: Array<{ position: string }> = await ds.query("SELECT position FROM cluster_test.projection_checkpoints WHERE name = 'storm'");
      return Number(rows[0]?.position ?? 0) >= total;
    }, { timeoutMs: 60_000, what: `the projection at ${total}` });
    const applied: Array<{ n: number; distinct: number }> = await ds.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct FROM cluster_test.applied');
    expect(applied).toEqual([{ n: total, distinct: total }]);
    await runner.stop();

    // and the writers carry on against the healed cluster
    const after = makeEvent('AppExpired', Subjects.app('after'), { name: 'after', hash: 'b'.repeat(64), height: 1 });
    let revision = 0;
    await waitUntil(async () => {
      revision = (await store.append(Subjects.app('after'), [after], ANY).catch(() => ({ revision: 0 }))).revision;
      return revision > 0;
    }, { timeoutMs: 30_000, what: 'an append on the healed cluster' });
    expect(revision).toBe(total + 1);
  }, 240_000);
});
