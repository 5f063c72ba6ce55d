import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { z } from 'zod';
import { EventStore } from '@fluxplane/eventstore';
import { BaseConfig, createLogger, loadConfig, Logger, startService } from '@fluxplane/service-kit';
import { freePort } from './ports';
import { startNats, TestNats } from './nats';
import { createTestDatabase, TestDatabase } from './postgres';

export interface ServiceUnderTest<C> {
  app: NestFastifyApplication;
  config: C;
  /** `http://host:port` of the service's HTTP API. */
  base: string;
  /** A client of the same event store, for the test to append and read events. */
  store: EventStore;
  nats: TestNats;
  db: TestDatabase;
  /** Stops the service only (NATS and the database stay), e.g. to restart it with other settings. */
  stopService(): Promise<void>;
  /** Starts the service again on the same NATS, database and port, with extra environment. */
  restart(env?: Record<string, string>): Promise<NestFastifyApplication>;
  /** Stops everything and drops the database. */
  close(): Promise<void>;
}

export interface ServiceUnderTestOptions<S extends z.ZodType> {
  /** Used for the log name and the database name prefix. */
  name: string;
  configSchema: S;
  module: (config: z.infer<S>, logger: Logger) => DynamicModule;
  /** Service-specific environment on top of NATS_URL, DATABASE_URL, HTTP_PORT and a silent log. */
  env?: Record<string, string>;
  /** Address the service listens on (node agents use their own loopback address). */
  host?: string;
}

/**
 * One service in-process against its own real infrastructure: a private nats-server, a throwaway
 * Postgres database, a free port. The boilerplate every service's integration test shares.
 */
export async function startServiceUnderTest<S extends z.ZodType<BaseConfig>>(o: ServiceUnderTestOptions<S>): Promise<ServiceUnderTest<z.infer<S>>> {
  const nats = await startNats();
  const db = await createTestDatabase(o.name.replace(/[^a-z0-9]/gi, '').slice(0, 12).toLowerCase() || 'svc');
  const host = o.host ?? '127.0.0.1';
  const port = await freePort(host);
  const logger = createLogger(o.name, 'silent');
  const configFor = (extra: Record<string, string> = {}) => loadConfig(o.configSchema, {
    NATS_URL: nats.url, DATABASE_URL: db.url, HTTP_PORT: String(port), LOG_LEVEL: 'silent', ...(o.host ? { HTTP_HOST: o.host } : {}), ...o.env, ...extra,
  });
  const config = configFor();
  const start = (c: z.infer<S>) => startService({ module: o.module(c, logger), config: c, logger });
  let app: NestFastifyApplication | undefined;
  let store: EventStore | undefined;
  try {
    app = await start(config);
    store = await EventStore.connect({ servers: nats.url });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await nats.stop();
    throw err;
  }
  const harness: ServiceUnderTest<z.infer<S>> = {
    app, config, base: `http://${host}:${port}`, store, nats, db,
    async stopService() {
      await harness.app.close();
    },
    async restart(env) {
      harness.app = await start(configFor(env));
      return harness.app;
    },
    async close() {
      await harness.app.close().catch(() => undefined);
      await harness.store.close();
      await db.drop();
      await nats.stop();
    },
  };
  return harness;
}
