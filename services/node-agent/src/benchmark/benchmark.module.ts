import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { NodeBenchRpc } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { LOGGER, Responder, type Logger } from '@fluxplane/service-kit';
import type { BenchmarkConfig } from './config';
import { FluxBenchRpcServer } from './jsonrpc-server';
import { NodeBenchmark } from './node-benchmark';

const BENCHMARK_CONFIG = Symbol('fluxplane.node-agent.benchmark-config');

/**
 * FluxBench beside the agent: the node's benchmark answered over the bus (by node id and by IP, for
 * the bench service and the gateway) and over FluxBench's own JSON-RPC (for FluxOS-style clients).
 * A JSON-RPC port that cannot be bound is logged, not fatal: the bus queries, which the control
 * plane uses, still work, and the agent's containers must not stop for it.
 */
@Module({})
export class BenchmarkModule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly rpc: FluxBenchRpcServer;

  constructor(
    private readonly bench: NodeBenchmark,
    private readonly responder: Responder,
    @Inject(BENCHMARK_CONFIG) private readonly config: BenchmarkConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.rpc = new FluxBenchRpcServer(bench, logger);
  }

  async onApplicationBootstrap() {
    for (const node of [{ nodeId: this.config.NODE_ID }, { ip: this.config.NODE_IP }]) {
      this.responder.serve(NodeBenchRpc.getBenchmarks(node), (req) => this.bench.getBenchmarks(req.refresh));
      this.responder.serve(NodeBenchRpc.getStatus(node), () => this.bench.getStatus());
    }
    const host = this.config.BENCH_RPC_HOST ?? this.config.NODE_IP;
    try {
      const port = await this.rpc.listen(this.config.BENCH_RPC_PORT, host);
      this.logger.info({ url: `http://${host}:${port}/` }, 'FluxBench JSON-RPC listening');
    } catch (err) {
      this.logger.error({ err, host, port: this.config.BENCH_RPC_PORT }, 'FluxBench JSON-RPC could not listen; the node still answers its benchmark over the bus');
    }
  }

  async onModuleDestroy() {
    await this.rpc.close();
  }

  static forRoot(config: BenchmarkConfig): DynamicModule {
    return {
      module: BenchmarkModule,
      providers: [
        { provide: BENCHMARK_CONFIG, useValue: config },
        { provide: NodeBenchmark, useFactory: (store: EventStore, logger: Logger) => new NodeBenchmark(config, store, logger), inject: [EventStore, LOGGER] },
      ],
      exports: [NodeBenchmark],
    };
  }
}
