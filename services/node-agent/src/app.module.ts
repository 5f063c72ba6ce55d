import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ProjectionRunner } from '@fluxplane/eventstore';
import { HealthRegistry, Logger, ProjectionHost, ServiceKitModule } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime } from './adapters/container-runtime';
import { DockerodeRuntime } from './adapters/dockerode.runtime';
import { AppsController } from './api/apps.controller';
import { schemaName } from './domain/naming';
import { HeartbeatPublisher } from './heartbeat/heartbeat';
import { DesiredInstancesProjection } from './projections/desired-instances.projection';
import { DesiredStateReader } from './projections/desired-state.reader';
import { ActionExecutor } from './reconcile/executor';
import { ReconcileLoop } from './reconcile/reconcile-loop';
import { InstanceReporter } from './reporting/instance-reporter';
import { NODE_AGENT_CONFIG } from './tokens';
import type { NodeAgentConfig } from './config';

export interface NodeAgentOptions {
  /** Another engine than Docker through DOCKER_SOCKET (tests, other runtimes). */
  runtime?: ContainerRuntime;
}

@Module({})
export class NodeAgentModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private runner?: ProjectionRunner;

  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: DesiredInstancesProjection,
    private readonly loop: ReconcileLoop,
    private readonly heartbeat: HeartbeatPublisher,
    private readonly health: HealthRegistry,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
  ) {}

  onModuleInit() {
    this.runner = this.host.register(this.projection, {
      afterCommit: () => {
        if (this.projection.takeChange()) this.loop.trigger();
      },
    });
    this.health.register('docker', () => this.runtime.ping());
  }

  onApplicationBootstrap() {
    this.heartbeat.start();
    // Not awaited: the API (and /health) come up while the projection catches up.
    this.loop.start(() => this.runner!.catchUp());
  }

  /** Runs before the kit drains NATS. Containers are left running: they are the node's workload. */
  async onModuleDestroy() {
    this.heartbeat.stop();
    await this.loop.stop();
  }

  static forRoot(config: NodeAgentConfig, logger: Logger, opts: NodeAgentOptions = {}): DynamicModule {
    const name = 'node-agent';
    return {
      module: NodeAgentModule,
      imports: [ServiceKitModule.forRoot({ name, config, logger: logger.child({ nodeId: config.NODE_ID }), database: { schema: schemaName(config.NODE_ID) } })],
      controllers: [AppsController],
      providers: [
        { provide: NODE_AGENT_CONFIG, useValue: config },
        { provide: CONTAINER_RUNTIME, useFactory: () => opts.runtime ?? new DockerodeRuntime(config.DOCKER_SOCKET, { idleTimeoutMs: config.DOCKER_TIMEOUT_MS, pullTimeoutMs: config.PULL_TIMEOUT_MS }) },
        DesiredInstancesProjection,
        DesiredStateReader,
        InstanceReporter,
        ActionExecutor,
        ReconcileLoop,
        HeartbeatPublisher,
      ],
    };
  }
}
