/*
 * A "world" for integration tests: a private NATS server, a throwaway database, and chain-indexer,
 * app-registry and stats running against one fluxd RPC URL, plus readers of each one's read model
 * in a comparable form (for "identical to a fresh index of the winning chain").
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { createLogger, loadConfig, openDatabase, startService } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, startNats, TestDatabase, TestNats, waitUntil } from '@fluxplane/testkit';
import type { DataSource } from 'typeorm';
import { IndexerConfig } from '../src/config';
import { ChainIndexerModule } from '../src/app.module';
import { CursorStore } from '../src/ingest/cursor-store';
import { serializeState } from '../src/domain';
// services have no package entry point; tests reach their modules by path
import { AppRegistryModule } from '../../app-registry/src/app.module';
import { RegistryConfig } from '../../app-registry/src/config';
import { StatsModule } from '../../stats/src/app.module';
import { StatsConfig } from '../../stats/src/config';

const logger = createLogger('test', 'silent');

export interface World {
  nats: TestNats;
  db: TestDatabase;
  store: EventStore;
  indexer?: NestFastifyApplication;
  services: NestFastifyApplication[];
  indexerConfig: IndexerConfig;
  startIndexer(): Promise<NestFastifyApplication>;
  stopIndexer(): Promise<void>;
  readModels(): Promise<ReadModels>;
  close(): Promise<void>;
}

export interface ReadModels {
  indexer: { cursor: unknown; state: unknown; payments: unknown[] };
  registry: { chain: unknown[]; payments: unknown[]; apps: unknown[]; messages: unknown[]; prices: unknown[] };
  stats: { nodes: unknown[]; apps: unknown[] };
}

export async function startWorld(rpcUrl: string, opts: { indexer?: Record<string, string>; registry?: boolean } = {}): Promise<World> {
  const nats = await startNats();
  const db = await createTestDatabase('world');
  const store = await EventStore.connect({ servers: nats.url });
  const base = { NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
  const indexerConfig = loadConfig(IndexerConfig, {
    ...base, HTTP_PORT: String(await freePort()), FLUXD_RPC_URL: rpcUrl, POLL_INTERVAL_MS: '50', SNAPSHOT_EVERY: '7', BATCH_BLOCKS: '16',
    RPC_BACKOFF_INITIAL_MS: '20', RPC_BACKOFF_MAX_MS: '200', ...opts.indexer,
  });
  const services: NestFastifyApplication[] = [];
  if (opts.registry !== false) {
    const rc = loadConfig(RegistryConfig, { ...base, HTTP_PORT: String(await freePort()), REACTOR_INTERVAL_MS: '200', RULES_HEIGHT_OFFSET: '2200000' });
    services.push(await startService({ module: AppRegistryModule.forRoot(rc, logger), config: rc, logger }));
    const sc = loadConfig(StatsConfig, { ...base, HTTP_PORT: String(await freePort()) });
    services.push(await startService({ module: StatsModule.forRoot(sc, logger), config: sc, logger }));
  }
  const dbs = new Map<string, DataSource>();
  const ds = async (schema: string) => {
    if (!dbs.has(schema)) dbs.set(schema, await openDatabase(db.url, schema, 'test'));
    return dbs.get(schema)!;
  };
  const world: World = {
    nats, db, store, services, indexerConfig,
    async startIndexer() {
      world.indexer = await startService({ module: ChainIndexerModule.forRoot(indexerConfig, logger), config: indexerConfig, logger });
      return world.indexer;
    },
    async stopIndexer() {
      await world.indexer?.close();
      world.indexer = undefined;
    },
    async readModels() {
      const idx = await ds('chain_indexer');
      const { cursor, state } = await new CursorStore(idx).load();
      const ser = serializeState(state);
      const reg = await ds('app_registry');
      const stats = await ds('stats');
      return {
        indexer: {
          cursor: cursor && { height: cursor.height, hash: cursor.hash },
          state: { collaterals: ser.collaterals.sort(), nodes: ser.nodes.sort((a, b) => a[0].localeCompare(b[0])) },
          payments: await idx.query(`SELECT hash, height, txid, amount_sat, address FROM payments_seen ORDER BY hash`),
        },
        registry: opts.registry === false ? { chain: [], payments: [], apps: [], messages: [], prices: [] } : {
          chain: await reg.query(`SELECT height, hash FROM chain`),
          payments: await reg.query(`SELECT hash, txid, height, amount_sat FROM payments ORDER BY hash`),
          apps: await reg.query(`SELECT name_key, name, owner, hash, txid, height, spec, expire_blocks, expires_at_height, active, expired_height FROM apps ORDER BY name_key`),
          messages: await reg.query(`SELECT hash, name, state, txid, height, amount_sat FROM messages ORDER BY hash`),
          // not `seq`: a stream position, which differs between two worlds
          prices: await reg.query(`SELECT txid, height, message, cpu, ram, hdd, min_price, port, scope, staticip FROM price_forks ORDER BY height, seq`),
        },
        stats: opts.registry === false ? { nodes: [], apps: [] } : {
          nodes: await stats.query(`SELECT node_id, tier, ip, bench_status, up, expired FROM nodes ORDER BY node_id`),
          apps: await stats.query(`SELECT name, owner, instances, active FROM apps ORDER BY name`),
        },
      };
    },
    async close() {
      await world.indexer?.close();
      for (const s of services) await s.close();
      for (const d of dbs.values()) await d.destroy();
      await store.close();
      await db.drop();
      await nats.stop();
    },
  };
  return world;
}

/** Waits until the world's indexer has indexed (and published) up to `hash` at `height`. */
export async function indexedTo(world: World, height: number, hash: string): Promise<void> {
  await waitUntil(async () => {
    const last = await world.store.last(Subjects.chain());
    return last?.event.type === 'BlockIndexed' && last.event.data.height === height && last.event.data.hash === hash;
  }, { what: `indexed to ${height}`, timeoutMs: 60_000 });
}

/** Waits until two worlds' read models are equal (they converge asynchronously); returns both. */
export async function converged(a: World, b: World, timeoutMs = 30_000): Promise<[ReadModels, ReadModels]> {
  let last: [ReadModels, ReadModels] | undefined;
  try {
    await waitUntil(async () => {
      last = [await a.readModels(), await b.readModels()];
      return JSON.stringify(last[0]) === JSON.stringify(last[1]);
    }, { what: 'read models equal', timeoutMs, intervalMs: 200 });
  } catch {
    // fall through: the caller's expect shows the difference
  }
  return last ?? [await a.readModels(), await b.readModels()];
}
