import { BeforeApplicationShutdown, DynamicModule, Module, OnApplicationBootstrap } from '@nestjs/common';
import { HealthRegistry, Logger, serviceModule } from '@fluxplane/service-kit';
import { ChainIndexerService } from './ingest/chain-indexer.service';
import { CursorStore } from './ingest/cursor-store';
import { FLUXD_RPC, fluxdRpcFactory } from './adapters/fluxd';
import type { IndexerConfig } from './config';
import { ExplorerQueries } from './api/explorer.queries';

@Module({})
export class ChainIndexerModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly indexer: ChainIndexerService, private readonly explorer: ExplorerQueries, health: HealthRegistry) {
    health.register('indexer', () => this.indexer.assertHealthy());
  }

  async onApplicationBootstrap() {
    await this.indexer.start();
    this.explorer.serve();
  }

  async beforeApplicationShutdown() {
    await this.indexer.stop();
  }

  static forRoot(config: IndexerConfig, logger: Logger): DynamicModule {
    return serviceModule(ChainIndexerModule, { name: 'chain-indexer', config, logger, database: { schema: 'chain_indexer' } }, {
      providers: [CursorStore, ChainIndexerService, ExplorerQueries, { provide: FLUXD_RPC, useFactory: () => fluxdRpcFactory(config) }],
    });
  }
}
