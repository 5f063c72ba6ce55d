import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { EventStore } from '@fluxplane/eventstore';
import { Logger, ProjectionHost, serviceModule } from '@fluxplane/service-kit';
import { BenchNodesProjection } from './projections/bench-nodes.projection';
import { BenchService, POLICY, THRESHOLDS } from './bench.service';
import { BusNodeBenchClient, NODE_BENCH_CLIENT } from './adapters/node-bench.client';
import { BenchmarksController } from './api/benchmarks.controller';
import { SCHEMA } from './projections/tables';
import { policyFrom, thresholdsFrom, type BenchConfig } from './config';

@Module({})
export class BenchModule implements OnModuleInit {
  constructor(private readonly host: ProjectionHost, private readonly projection: BenchNodesProjection) {}

  onModuleInit() {
    this.host.register(this.projection, { afterCommit: (seq) => this.projection.flush(seq) });
  }

  static forRoot(config: BenchConfig, logger: Logger): DynamicModule {
    return serviceModule(BenchModule, { name: 'bench', config, logger, database: { schema: SCHEMA } }, {
      controllers: [BenchmarksController],
      providers: [
        { provide: THRESHOLDS, useValue: thresholdsFrom(config) },
        { provide: POLICY, useValue: policyFrom(config) },
        { provide: NODE_BENCH_CLIENT, useFactory: (store: EventStore) => new BusNodeBenchClient(store, config.BENCH_NODE_TIMEOUT_MS), inject: [EventStore] },
        BenchNodesProjection,
        BenchService,
      ],
    });
  }
}
