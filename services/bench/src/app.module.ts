import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { Logger, ProjectionHost, ServiceKitModule } from '@fluxplane/service-kit';
import { BenchNodesProjection } from './projections/bench-nodes.projection';
import { BenchService, THRESHOLDS } from './bench.service';
import { LocalMeasurer, MEASURER } from './adapters/measure';
import { SCHEMA } from './projections/tables';
import { thresholdsFrom, type BenchConfig } from './config';

@Module({})
export class BenchModule implements OnModuleInit {
  constructor(private readonly host: ProjectionHost, private readonly projection: BenchNodesProjection) {}

  onModuleInit() {
    this.host.register(this.projection, { afterCommit: (seq) => this.projection.flush(seq) });
  }

  static forRoot(config: BenchConfig, logger: Logger): DynamicModule {
    return {
      module: BenchModule,
      imports: [ServiceKitModule.forRoot({ name: 'bench', config, logger, database: { schema: SCHEMA } })],
      providers: [
        { provide: THRESHOLDS, useValue: thresholdsFrom(config) },
        { provide: MEASURER, useValue: new LocalMeasurer({ cpuMs: config.BENCH_CPU_MS, diskMb: config.BENCH_DISK_MB, dir: config.BENCH_DIR }) },
        BenchNodesProjection,
        BenchService,
      ],
    };
  }
}
