import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { Queries } from '@fluxplane/contracts';
import { Logger, ProjectionHost, Responder, ServiceKitModule } from '@fluxplane/service-kit';
import { NetworkProjection } from './projections/network.projection';
import { NetworkStatsService } from './network-stats.service';
import { StatsController } from './api/stats.controller';
import type { StatsConfig } from './config';

@Module({})
export class StatsModule implements OnModuleInit {
  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: NetworkProjection,
    private readonly responder: Responder,
    private readonly stats: NetworkStatsService,
  ) {}

  onModuleInit() {
    this.host.register(this.projection);
    this.responder.serve(Queries.statsSummary, z.object({}).passthrough(), () => this.stats.summary());
  }

  static forRoot(config: StatsConfig, logger: Logger): DynamicModule {
    return {
      module: StatsModule,
      imports: [ServiceKitModule.forRoot({ name: 'stats', config, logger, database: { schema: 'stats' } })],
      controllers: [StatsController],
      providers: [NetworkProjection, NetworkStatsService],
    };
  }
}
