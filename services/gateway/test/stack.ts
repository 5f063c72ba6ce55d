/**
 * The registration path in one process, for tests that go through the running gateway: a private
 * NATS, a throwaway database, the devchain's JSON-RPC server (blocks are mined by the test with
 * `chain.generate`), and the chain-indexer, app-registry and gateway modules.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorText, createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, startNats, TestDatabase, TestNats, waitUntil } from '@fluxplane/testkit';
import { DevChain, RunningDevchain, startDevchainServer } from '@fluxplane/devchain';
import { IndexerConfig } from '../../chain-indexer/src/config';
import { ChainIndexerModule } from '../../chain-indexer/src/app.module';
import { RegistryConfig } from '../../app-registry/src/config';
import { AppRegistryModule } from '../../app-registry/src/app.module';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';

/** As on the devnet: a chain from height 0 judged by today's rules. */
export const RULES_HEIGHT_OFFSET = 2_200_000;

export interface RegistrationStack {
  /** Gateway base URL. */
  base: string;
  devchainUrl: string;
  chain: DevChain;
  /** Resolves once the registry has indexed the devchain's tip. */
  synced(): Promise<void>;
  close(): Promise<void>;
}

export async function startRegistrationStack(prefix: string): Promise<RegistrationStack> {
  const silent = createLogger('test', 'silent');
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => { for (const c of closers.reverse()) await c().catch(() => undefined); };
  try {
    const nats: TestNats = await startNats();
    closers.push(() => nats.stop());
    const db: TestDatabase = await createTestDatabase(prefix);
    closers.push(() => db.drop());
    const devchain: RunningDevchain = await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 });
    closers.push(() => devchain.close());
    const common = { NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };

    const icfg = loadConfig(IndexerConfig, { ...common, HTTP_PORT: String(await freePort()), FLUXD_RPC_URL: devchain.url, POLL_INTERVAL_MS: '100' });
    const indexer: NestFastifyApplication = await startService({ module: ChainIndexerModule.forRoot(icfg, silent), config: icfg, logger: silent });
    closers.push(() => indexer.close());
    const rcfg = loadConfig(RegistryConfig, { ...common, HTTP_PORT: String(await freePort()), REACTOR_INTERVAL_MS: '200', RULES_HEIGHT_OFFSET: String(RULES_HEIGHT_OFFSET) });
    const registry = await startService({ module: AppRegistryModule.forRoot(rcfg, silent), config: rcfg, logger: silent });
    closers.push(() => registry.close());
    const port = await freePort();
    const gcfg = loadConfig(GatewayConfig, { NATS_URL: nats.url, LOG_LEVEL: 'silent', HTTP_PORT: String(port), FLUXD_RPC_URL: devchain.url, RATE_LIMIT_PER_MINUTE: '10000' });
    const gateway = await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, bodyLimitBytes: gcfg.BODY_LIMIT_BYTES, configure: (a) => configureHttp(a, gcfg) });
    closers.push(() => gateway.close());

    const base = `http://127.0.0.1:${port}`;
    const chain = devchain.chain;
    const synced = async () => {
      let last: unknown;
      try {
        await waitUntil(async () => {
          const reply = await (await fetch(`${base}/apps/deploymentinformation`)).json() as { status: string; data: { height: number } };
          last = reply.status === 'success' ? { height: reply.data.height } : reply;
          return reply.status === 'success' && reply.data.height === chain.height;
        }, { what: `registry indexed to height ${chain.height}`, timeoutMs: 20_000, intervalMs: 50 });
      } catch (err) {
        throw new Error(`${errorText(err)}; last answer ${JSON.stringify(last)}`, { cause: err });
      }
    };
    return { base, devchainUrl: devchain.url, chain, synced, close };
  } catch (err) {
    await close();
    throw err;
  }
}
