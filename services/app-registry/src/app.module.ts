import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { Rpc } from '@fluxplane/contracts';
import { Logger, Responder, serviceModule } from '@fluxplane/service-kit';
import { RegistryProjection } from './projections/registry.projection';
import { RegistryReader } from './projections/registry.reader';
import { RegistryService } from './registry.service';
import { RegistryQueries } from './api/registry.queries';
import { RegistryAuthQueries } from './api/registry-auth.queries';
import { Prices } from './projections/prices.reader';
import { AppAggregateStore } from './adapters/aggregate-store';
import { RegistryReactor } from './reconcile/registry-reactor';
import type { RegistryConfig } from './config';

@Module({})
export class AppRegistryModule implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly registry: RegistryService,
    private readonly queries: RegistryQueries,
    private readonly registryAuth: RegistryAuthQueries,
  ) {}

  onModuleInit() {
    this.responder.serve(Rpc.submitAppMessage, (req) => this.registry.submit(req.message, req.correlationId));
    this.responder.serve(Rpc.appSpecs, (q) => this.queries.specs(q));
    this.responder.serve(Rpc.appMessages, (q) => this.queries.messages(q));
    this.responder.serve(Rpc.appHashes, () => this.queries.hashes());
    this.responder.serve(Rpc.registryHeight, () => this.queries.height());
    this.responder.serve(Rpc.appPrices, () => this.queries.prices());
    this.responder.serve(Rpc.registryAuth, (q, ctx) => this.registryAuth.registryAuth(q, ctx));
    this.responder.serve(Rpc.domainClaims, (q) => this.queries.domainClaims(q));
  }

  static forRoot(config: RegistryConfig, logger: Logger): DynamicModule {
    return serviceModule(AppRegistryModule, { name: 'app-registry', config, logger, database: { schema: 'app_registry' } }, {
      providers: [RegistryProjection, RegistryReader, Prices, RegistryService, RegistryQueries, RegistryAuthQueries, AppAggregateStore, RegistryReactor],
    });
  }
}
