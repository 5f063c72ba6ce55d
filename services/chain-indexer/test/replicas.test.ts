import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { Subjects } from '@fluxplane/contracts';
import { DevChain, startDevchainServer, type RunningDevchain } from '@fluxplane/devchain';
import { openDatabase } from '@fluxplane/service-kit';
import { eventStoreFixture, freePort, httpGet, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import { CursorStore, WriterFencedError } from '../src/ingest/cursor-store';
import { INGEST_LEASE_KEY } from '../src/ingest/chain-indexer.service';

const MAIN = resolve(__dirname, '../dist/main.js');
const LEASE_MS = 1000;

const Leases = z.record(z.string(), z.object({ held: z.boolean(), term: z.number(), holder: z.string().nullable() }));

interface Indexer { name: string; port: number; child: ChildProcess; log: string }

/**
 * Two real chain-indexer processes on one event store and one database while the chain grows: only
 * the holder of the ingest lease appends. The holder is SIGKILLed; the standby takes over within a
 * few seconds and carries on. In the stream every block is indexed exactly once, in order: the two
 * never both appended. A deposed holder's late commit is refused by the Postgres fence.
 */
describe('two chain indexers, one appending', () => {
  let fx: EventStoreWithDatabaseFixture;
  let devchain: RunningDevchain;
  let grow: NodeJS.Timeout | undefined;
  const procs: Indexer[] = [];

  async function startIndexer(name: string): Promise<Indexer> {
    const port = await freePort();
    const log = join(tmpdir(), `fluxplane-two-indexers-${name}-${process.pid}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env, NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), LOG_LEVEL: 'info',
        FLUXD_RPC_URL: devchain.url, POLL_INTERVAL_MS: '100', BATCH_BLOCKS: '5', SNAPSHOT_EVERY: '7', PROJECTION_LEASE_MS: String(LEASE_MS),
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const p = { name, port, child, log };
    procs.push(p);
    return p;
  }

  const leases = async (p: Indexer) => Leases.parse(JSON.parse((await httpGet(`http://127.0.0.1:${p.port}/leases`)).body));
  const holds = async (p: Indexer) => (await leases(p).catch(() => undefined))?.[INGEST_LEASE_KEY]?.held === true;
  const indexedTo = (height: number) => waitUntil(async () => {
    const last = await fx.store.last(Subjects.chain());
    return last?.event.type === 'BlockIndexed' && last.event.data.height >= height;
  }, { what: `indexed to ${height}`, timeoutMs: 60_000 });

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'idxrep' });
    devchain = fx.own(await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 }));
  });
  afterAll(async () => {
    clearInterval(grow);
    for (const p of procs) p.child.kill('SIGKILL');
    await fx?.close();
  });

  it('only the lease holder appends; its standby takes over when it dies, and no block is indexed twice', async () => {
    const chain = devchain.chain;
    const node = chain.registerNode({ ip: '127.0.0.21', collateral: 1000 });
    chain.generate(3);
    let paid = 0;
    grow = setInterval(() => {
      if (chain.height % 4 === 0) chain.pay({ hash: (++paid).toString(16).padStart(64, '0'), amountSat: 5e8 });
      chain.generate(1);
    }, 40);

    const a = await startIndexer('a');
    const b = await startIndexer('b');
    // Both up (each answers /leases: one may still be booting when the other holds the lease), and
    // the standby has seen who holds it.
    const [active, standby] = await waitUntil(async () => {
      const [la, lb] = await Promise.all([leases(a), leases(b)]).catch(() => [undefined, undefined]);
      const [ia, ib] = [la?.[INGEST_LEASE_KEY], lb?.[INGEST_LEASE_KEY]];
      if (!ia || !ib || ia.held === ib.held) return undefined;
      const [act, sby, held, seen] = ia.held ? [a, b, ia, ib] : [b, a, ib, ia];
      return seen.holder !== null && seen.holder === held.holder ? [act, sby] as const : undefined;
    }, { what: 'both indexers up, one holding the ingest lease and the other seeing it held', timeoutMs: 60_000 });
    await indexedTo(chain.height);
    // the standby follows the committed state and serves /health, but holds nothing
    expect((await leases(standby))[INGEST_LEASE_KEY]).toMatchObject({ held: false, holder: `${(await leases(active))[INGEST_LEASE_KEY]!.holder}` });
    expect((await httpGet(`http://127.0.0.1:${standby.port}/health`)).status).toBe(200);
    const termBefore = (await leases(active))[INGEST_LEASE_KEY]!.term;

    active.child.kill('SIGKILL');
    await waitUntil(() => holds(standby), { what: 'the standby holding the ingest lease', timeoutMs: 10_000, intervalMs: 50 });
    expect((await leases(standby))[INGEST_LEASE_KEY]!.term).toBeGreaterThan(termBefore);
    await indexedTo(chain.height + 10);
    clearInterval(grow);
    await indexedTo(chain.height);

    const events = (await fx.store.readStream(Subjects.chain())).events.map((e) => e.event);
    const heights = events.flatMap((e) => (e.type === 'BlockIndexed' ? [e.data.height] : []));
    expect(heights).toEqual(Array.from({ length: chain.height + 1 }, (_, i) => i));
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.filter((e) => e.type === 'NodeRegistered' && e.data.nodeId === node.nodeId)).toHaveLength(1);
    const payments = events.flatMap((e) => (e.type === 'AppPaymentConfirmed' ? [e.data.hash] : []));
    expect(payments.length).toBe(paid);
    expect(new Set(payments).size).toBe(paid);
    expect(readFileSync(standby.log, 'utf8')).toContain('ingest lease acquired');
  }, 180_000);

  it('refuses the commit of a deposed holder once a newer term fenced the tables', async () => {
    const db = await openDatabase(fx.db.url, 'chain_indexer', 'test');
    try {
      const cursors = new CursorStore(db);
      await db.query('CREATE SCHEMA IF NOT EXISTS chain_indexer');
      await cursors.setup();
      const before = await db.query(`SELECT height, hash FROM cursor WHERE id = 1`);
      const [fence] = await db.query(`SELECT term FROM writer WHERE id = 1`);
      const newer = Number(fence?.term ?? 0) + 1;
      await cursors.claimWriter(newer);
      await expect(cursors.commitBatch({
        cursor: { height: 999_999, hash: 'ff'.repeat(32), revision: 1 }, blocks: [], payments: [], outbox: [], keepFrom: 0, term: newer - 1,
      })).rejects.toBeInstanceOf(WriterFencedError);
      await expect(cursors.claimWriter(newer - 1)).rejects.toBeInstanceOf(WriterFencedError);
      expect(await db.query(`SELECT height, hash FROM cursor WHERE id = 1`)).toEqual(before);
    } finally {
      await db.destroy();
    }
  });
});
