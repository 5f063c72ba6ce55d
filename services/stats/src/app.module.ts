import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { Rpc } from '@fluxplane/contracts';
import { Logger, ProjectionHost, Responder, serviceModule } from '@fluxplane/service-kit';
import { NetworkProjection } from './projections/network.projection';
import { NetworkReader } from './projections/network.reader';
import { StatsController } from './api/stats.controller';
import { HistoryQueries } from './api/history.queries';
import { SampleStore } from './history/sample-store';
import { Sampler } from './history/sampler.service';
import type { StatsConfig } from './config';

@Module({})
export class StatsModule implements OnModuleInit {
  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: NetworkProjection,
    private readonly responder: Responder,
    private readonly stats: NetworkReader,
    private readonly history: HistoryQueries,
    private readonly samples: SampleStore,
  ) {}

  onModuleInit() {
    this.host.register(this.projection);
    this.responder.serve(Rpc.statsSummary, () => this.stats.summary());
    this.responder.serve(Rpc.statsHistory, (q) => this.history.history(q));
    this.responder.serve(Rpc.statsTierHistory, (q) => this.history.tierHistory(q));
    this.responder.serve(Rpc.statsSampleTimes, (q) => this.samples.times(q));
    this.responder.serve(Rpc.statsNodes, (q) => this.stats.nodes(q));
  }

  static forRoot(config: StatsConfig, logger: Logger): DynamicModule {
    return serviceModule(StatsModule, { name: 'stats', config, logger, database: { schema: 'stats' } }, {
      controllers: [StatsController],
      providers: [NetworkProjection, NetworkReader, SampleStore, HistoryQueries, Sampler],
    });
  }
}
