import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown, Optional, Provider, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { EventStore, permanentBusError } from '@fluxplane/eventstore';
import type { Logger } from 'pino';
import { busConnectOptions } from '@fluxplane/bus-auth';
import { BaseConfig, busCredentials, kvReplicas } from './config';
import { DATABASE_SCHEMA, openDatabase, permanentDatabaseError, redactedUrl } from './database';
import { waitForDependency } from './dependency-wait';
import { HealthController, HealthRegistry } from './health';
import { MetricsController, startDefaultMetrics } from './metrics';
import { ProjectionHost } from './projection-host';
import { Responder } from './responder';
import { LeasesController, ProjectionsController } from './projections.controller';
import { CONFIG, LOGGER, SERVICE_NAME } from './tokens';

export interface ServiceKitOptions {
  name: string;
  config: BaseConfig;
  logger: Logger;
  /** Postgres schema of this service; omit for services without a read model. */
  database?: { schema: string };
}

/** Starts projections after boot; on shutdown stops them, then drains NATS and closes Postgres. */
@Injectable()
class KitLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly store: EventStore,
    private readonly projections: ProjectionHost,
    private readonly responder: Responder,
    private readonly health: HealthRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DataSource) private readonly db?: DataSource,
  ) {
    health.register('nats', async () => {
      if (store.nc.isClosed()) throw new Error('connection closed');
      await store.nc.flush(); // a round trip: fails (times out) while disconnected
    });
    if (db) health.register('postgres', async () => { await db.query('SELECT 1'); });
  }

  async onApplicationBootstrap() {
    await this.projections.startAll();
  }

  async beforeApplicationShutdown(signal?: string) {
    this.logger.info({ signal }, 'shutting down');
    this.responder.close();
    await this.projections.stopAll();
  }

  async onApplicationShutdown() {
    await this.store.close();
    if (this.db?.isInitialized) await this.db.destroy();
    this.logger.info('stopped');
  }
}

@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(opts: ServiceKitOptions): DynamicModule {
    startDefaultMetrics(opts.name);
    const providers: Provider[] = [
      { provide: CONFIG, useValue: opts.config },
      { provide: LOGGER, useValue: opts.logger },
      { provide: SERVICE_NAME, useValue: opts.name },
      {
        provide: EventStore,
        useFactory: () => waitForDependency(() => EventStore.connect({
          servers: opts.config.NATS_URL.split(','), // a cluster: every server, comma-separated
          stream: opts.config.EVENT_STREAM,
          replicas: opts.config.EVENT_STREAM_REPLICAS,
          kvReplicas: kvReplicas(opts.config),
          connectionName: opts.name,
          connectOptions: busConnectOptions(busCredentials(opts.config)),
        }), { what: `the bus (${opts.config.NATS_URL}, stream ${opts.config.EVENT_STREAM})`, timeoutMs: opts.config.DEPENDENCY_WAIT_MS, logger: opts.logger, permanent: permanentBusError }),
      },
      HealthRegistry,
      ProjectionHost,
      Responder,
      KitLifecycle,
    ];
    const exports: Array<Provider | symbol | (abstract new (...a: never[]) => unknown)> = [CONFIG, LOGGER, SERVICE_NAME, EventStore, HealthRegistry, ProjectionHost, Responder];
    if (opts.database) {
      const schema = opts.database.schema;
      providers.push(
        { provide: DATABASE_SCHEMA, useValue: schema },
        {
          provide: DataSource,
          useFactory: () => waitForDependency(() => openDatabase(opts.config.DATABASE_URL, schema, opts.name, { caFile: opts.config.DATABASE_TLS_CA }),
            { what: `the database (${redactedUrl(opts.config.DATABASE_URL)})`, timeoutMs: opts.config.DEPENDENCY_WAIT_MS, logger: opts.logger, permanent: permanentDatabaseError }),
        },
      );
      exports.push(DATABASE_SCHEMA, DataSource);
    }
    return {
      module: ServiceKitModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController, MetricsController, ProjectionsController, LeasesController],
      providers,
      exports: exports as never[],
    };
  }
}

/**
 * A service's root module: the kit (config, logger, event store, Postgres when `kit.database` is
 * given, health, metrics) imported once, plus what the service brings itself.
 */
export function serviceModule(module: Type, kit: ServiceKitOptions, own: Pick<DynamicModule, 'controllers' | 'providers' | 'imports'>): DynamicModule {
  const { imports = [], ...rest } = own;
  return { module, imports: [ServiceKitModule.forRoot(kit), ...imports], ...rest };
}
