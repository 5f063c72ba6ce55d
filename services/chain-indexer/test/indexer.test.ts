import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, waitUntil } from '@fluxplane/testkit';
import { DevChain, DEVCHAIN_WALLET_ADDRESS, RunningDevchain, startDevchainServer } from '@fluxplane/devchain';
import { IndexerConfig } from '../src/config';
import { ChainIndexerModule } from '../src/app.module';

describe('chain indexer against the devchain', () => {
  let fx: EventStoreWithDatabaseFixture;
  let devchain: RunningDevchain;
  let app: NestFastifyApplication | undefined;
  let config: IndexerConfig;
  const logger = createLogger('chain-indexer', 'silent');

  const start = async () => {
    app = await startService({ module: ChainIndexerModule.forRoot(config, logger), config, logger });
  };
  const chainEvents = async () => (await fx.store.readStream(Subjects.chain())).events.map((e) => e.event);
  const indexedTo = (height: number) => waitUntil(async () => {
    const last = await fx.store.last(Subjects.chain());
    return last?.event.type === 'BlockIndexed' && last.event.data.height >= height;
  }, { what: `indexed to ${height}` });

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'idx' });
    devchain = fx.own(await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 }));
    fx.onClose(() => app?.close()); // the indexer before its devchain
    config = loadConfig(IndexerConfig, {
      HTTP_PORT: String(await freePort()), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent',
      FLUXD_RPC_URL: devchain.url, POLL_INTERVAL_MS: '100', SNAPSHOT_EVERY: '3',
    });
  });
  afterAll(() => fx?.close());

  it('emits NodeRegistered with the tier of the collateral and each payment hash once', async () => {
    const chain = devchain.chain;
    const n1 = chain.registerNode({ ip: '127.0.0.11', collateral: 1000 });
    const n2 = chain.registerNode({ ip: '127.0.0.12', collateral: 12500 });
    chain.generate(3); // collateral, start, confirm
    const hash = 'ab'.repeat(32);
    chain.pay({ hash, amountSat: 5e8 });
    chain.generate(1);
    chain.pay({ hash, amountSat: 5e8 });
    chain.pay({ hash: 'cd'.repeat(32), amountSat: 5e8, address: DEVCHAIN_WALLET_ADDRESS });
    chain.generate(1);
    await start();
    await indexedTo(chain.height);

    const events = await chainEvents();
    const nodes = events.filter((e) => e.type === 'NodeRegistered');
    expect(nodes.map((e) => e.type === 'NodeRegistered' && [e.data.nodeId, e.data.tier, e.data.ip])).toEqual([
      [n1.nodeId, 'CUMULUS', '127.0.0.11'],
      [n2.nodeId, 'NIMBUS', '127.0.0.12'],
    ]);
    const payments = events.filter((e) => e.type === 'AppPaymentConfirmed');
    expect(payments).toHaveLength(1);
    expect(payments[0]!.data).toMatchObject({ hash, amountSat: 5e8 });
    const heights = events.flatMap((e) => (e.type === 'BlockIndexed' ? [e.data.height] : []));
    expect(heights).toEqual([...Array(chain.height + 1).keys()]);
  });

  it('resumes after a restart without indexing anything twice', async () => {
    await app!.close();
    app = undefined;
    const chain = devchain.chain;
    chain.registerNode({ ip: '127.0.0.13', collateral: 40000 });
    chain.generate(4);
    await start();
    await indexedTo(chain.height);
    const events = await chainEvents();
    const heights = events.flatMap((e) => (e.type === 'BlockIndexed' ? [e.data.height] : []));
    expect(heights).toEqual([...Array(chain.height + 1).keys()]);
    expect(events.filter((e) => e.type === 'NodeRegistered').map((e) => e.type === 'NodeRegistered' && e.data.tier)).toEqual(['CUMULUS', 'NIMBUS', 'STRATUS']);
  });

  it('completes a batch whose events were only partly appended before a crash', async () => {
    const chain = devchain.chain;
    chain.registerNode({ ip: '127.0.0.14', collateral: 1000 });
    chain.generate(2);
    await indexedTo(chain.height);
    // The indexer "crashes" after the first event of its next batch: its Postgres transaction (cursor,
    // blocks, outbox) is committed, the stream holds only a prefix of the outbox.
    const svcStore = app!.get(EventStore);
    const publish = svcStore.nc.publish.bind(svcStore.nc);
    let allowed = 1;
    // the indexer publishes with core NATS (acks to its inbox): drop everything after `allowed`
    svcStore.nc.publish = ((...args: Parameters<typeof publish>) => { if (args[0] === 'evt.chain' && allowed-- <= 0) return; publish(...args); }) as typeof publish;
    chain.pay({ hash: 'ef'.repeat(32), amountSat: 5e8 });
    const block = chain.generate(1)[0]!;
    await waitUntil(() => allowed < 0, { what: 'the batch to start appending' });
    await app!.close();
    app = undefined;
    const partial = await chainEvents();
    expect(partial.at(-1)!.type).toBe('NodeRegistered');

    await start();
    await indexedTo(block.height);
    const events = await chainEvents();
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.filter((e) => e.type === 'AppPaymentConfirmed' && e.data.hash === 'ef'.repeat(32))).toHaveLength(1);
    const heights = events.flatMap((e) => (e.type === 'BlockIndexed' ? [e.data.height] : []));
    expect(heights).toEqual([...Array(chain.height + 1).keys()]);
  });

  it('keeps its tables in its own schema', async () => {
    const rows = await fx.ds.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('cursor', 'blocks', 'snapshot', 'payments_seen')`);
    expect(new Set(rows.map((r: { table_schema: string }) => r.table_schema))).toEqual(new Set(['chain_indexer']));
  });
});
