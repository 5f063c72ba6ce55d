/**
 * Chain resync: blocks indexed per second by chain-indexer against the raw RPC fetch rate of the same
 * blocks, in one run, and the time to handle a depth-10 reorganisation.
 *
 * In-process: a devchain of 100,000 blocks with a realistic mix (node registrations, app payments,
 * node expiries) served over its JSON-RPC from a worker thread (fluxd is another process: the node's
 * work must not be charged to the indexer's event loop), a private nats-server (JetStream, file
 * storage), a throwaway Postgres database, and the chain-indexer service (NestJS) with its production
 * code path. The reorganisation is forced through the devchain's control API.
 *
 *   npm run build && node perf/dist/chain.js
 * Prints one JSON line: {"bench":"chain","blocks_per_s":…,"raw_rpc_blocks_per_s":…,"ratio":…,"reorg10_s":…}
 */
import { Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { FluxdRpcClient } from '@fluxplane/fluxd-rpc';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, startNats, waitUntil } from '@fluxplane/testkit';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DevChain, startDevchainServer } from '@fluxplane/devchain';
import { ChainIndexerModule } from '@fluxplane/chain-indexer/dist/app.module';
import { IndexerConfig } from '@fluxplane/chain-indexer/dist/config';

const BLOCKS = Number(process.env.PERF_BLOCKS ?? 100_000);
const BATCH = Number(process.env.PERF_BATCH ?? 500);
const MIX = { registrations: 0.1, payments: 0.3, expiries: 0.02, seed: 1 };

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Every block 1..BLOCKS fetched with `getblock <h> 2` batches of BATCH, validated, one batch at a time. */
async function rawFetch(url: string): Promise<number> {
  const rpc = new FluxdRpcClient({ url });
  const t0 = process.hrtime.bigint();
  let txs = 0;
  for (let h = 0; h <= BLOCKS; h += BATCH) {
    const heights = Array.from({ length: Math.min(BATCH, BLOCKS - h + 1) }, (_, i) => h + i);
    for (const b of await rpc.getBlocks(heights)) txs += b.tx.length;
  }
  if (txs < BLOCKS) throw new Error('too few transactions');
  return (BLOCKS + 1) / seconds(t0);
}

/** Worker thread: generates the chain and serves it; answers the parent with its URL. */
async function serveDevchain(): Promise<void> {
  const chain = new DevChain();
  chain.generate((workerData as { blocks: number }).blocks, MIX);
  const devchain = await startDevchainServer({ chain, host: '127.0.0.1', port: 0 });
  parentPort!.postMessage({ url: devchain.url });
}

async function control<T>(url: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, url), body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main() {
  const worker = new Worker(__filename, { workerData: { blocks: BLOCKS } });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  const devchain = { url, close: () => worker.terminate() };
  const status = () => control<{ height: number; bestblockhash: string }>(url, '/control/status');
  const nats = await startNats();
  const db = await createTestDatabase('perfchain');
  const store = await EventStore.connect({ servers: nats.url });
  const logger = createLogger('chain-indexer', 'silent');
  const config = loadConfig(IndexerConfig, {
    HTTP_PORT: String(await freePort()), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent', FLUXD_RPC_URL: devchain.url,
    BATCH_BLOCKS: String(BATCH), POLL_INTERVAL_MS: '20', SNAPSHOT_EVERY: '10000',
  });
  const indexedTo = (height: number, hash: string, timeoutMs: number) => waitUntil(async () => {
    const last = await store.last(Subjects.chain());
    return last?.event.type === 'BlockIndexed' && last.event.data.height === height && last.event.data.hash === hash;
  }, { what: `indexed to ${height}`, timeoutMs, intervalMs: 5 });
  let app: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    // Raw RPC first (warms the devchain's JIT for both), then the indexer on the same blocks.
    const raw = await rawFetch(devchain.url);
    const t0 = process.hrtime.bigint();
    app = await startService({ module: ChainIndexerModule.forRoot(config, logger), config, logger });
    const tip = await status();
    await indexedTo(tip.height, tip.bestblockhash, 600_000);
    const indexed = (BLOCKS + 1) / seconds(t0);

    const r0 = process.hrtime.bigint();
    const reorg = await control<{ height: number; newTip: string }>(url, '/control/reorg', { depth: 10, mode: 'remine' });
    await indexedTo(reorg.height, reorg.newTip, 60_000);
    const reorg10 = seconds(r0);

    const events = (await store.readStream(Subjects.chain(), { afterSeq: (await store.revision(Subjects.chain())) - 200 })).events;
    if (!events.some((e) => e.event.type === 'ChainReorganized')) throw new Error('no ChainReorganized appended');
    const out = {
      bench: 'chain',
      blocks_per_s: Math.round(indexed),
      raw_rpc_blocks_per_s: Math.round(raw),
      ratio: Number((indexed / raw).toFixed(3)),
      reorg10_s: Number(reorg10.toFixed(3)),
      blocks: BLOCKS,
      batch: BATCH,
      events: await store.revision(Subjects.chain()),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await app?.close();
    await store.close();
    await devchain.close();
    await db.drop();
    await nats.stop();
  }
}

if (isMainThread) main().catch((err) => {
  process.stderr.write(`${String(err?.stack ?? err)}\n`);
  process.exit(1);
});
else void serveDevchain();
