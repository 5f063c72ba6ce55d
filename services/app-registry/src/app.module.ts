import { BeforeApplicationShutdown, DynamicModule, Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { AppMessagesQuery, AppPricesQuery, AppSpecsQuery, Commands, Queries, SubmitAppMessage } from '@fluxplane/contracts';
import { LOGGER, Logger, ProjectionHost, Reactor, Responder, ServiceKitModule } from '@fluxplane/service-kit';
import { RegistryProjection } from './projections/registry.projection';
import { RegistryReader } from './registry-reader';
import { RegistryService } from './registry.service';
import { RegistryQueries } from './registry-queries';
import { Prices } from './prices';
import { AppAggregateStore } from './aggregate-store';
import { CONFIG } from '@fluxplane/service-kit';
import type { RegistryConfig } from './config';

/** Events that can make a temporary message promotable, an app expire, or a decision void. */
const REACT_ON = new Set(['AppPaymentConfirmed', 'AppMessageAccepted', 'BlockIndexed', 'AppRegistered', 'AppUpdated',
  'AppPaymentReverted', 'ChainReorganized', 'AppRegistrationReverted', 'AppExpiryReverted', 'PriceScheduleChanged', 'PriceScheduleChangeReverted']);

@Module({})
export class AppRegistryModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private reactor!: Reactor;

  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: RegistryProjection,
    private readonly responder: Responder,
    private readonly registry: RegistryService,
    private readonly queries: RegistryQueries,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    this.reactor = new Reactor('registry', () => this.registry.react(), { intervalMs: this.config.REACTOR_INTERVAL_MS, logger: this.logger });
    this.host.register(this.projection, { onApplied: (e) => { if (REACT_ON.has(e.type)) this.reactor.poke(); } });
    this.responder.serve(Commands.submitAppMessage, SubmitAppMessage, (req) => this.registry.submit(req.message, req.correlationId));
    this.responder.serve(Queries.appSpecs, AppSpecsQuery, (q) => this.queries.specs(q));
    this.responder.serve(Queries.appMessages, AppMessagesQuery, (q) => this.queries.messages(q));
    this.responder.serve(Queries.appHashes, z.object({}).passthrough(), () => this.queries.hashes());
    this.responder.serve(Queries.registryHeight, z.object({}).passthrough(), () => this.queries.height());
    this.responder.serve(Queries.appPrices, AppPricesQuery, () => this.queries.prices());
  }

  onApplicationBootstrap() {
    this.reactor.start();
  }

  async beforeApplicationShutdown() {
    await this.reactor.stop();
  }

  static forRoot(config: RegistryConfig, logger: Logger): DynamicModule {
    return {
      module: AppRegistryModule,
      imports: [ServiceKitModule.forRoot({ name: 'app-registry', config, logger, database: { schema: 'app_registry' } })],
      providers: [RegistryProjection, RegistryReader, Prices, RegistryService, RegistryQueries, AppAggregateStore],
    };
  }
}
