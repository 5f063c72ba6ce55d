import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Logger, serviceModule } from '@fluxplane/service-kit';
import { Backend } from './adapters/backend';
import { Daemon } from './adapters/daemon';
import { ExplorerBackend } from './adapters/explorer-backend';
import { RpcClientProvider } from './adapters/rpc-client.provider';
import { AppsController } from './api/apps.controller';
import { BenchmarkController } from './api/benchmark.controller';
import { PlacementController } from './api/placement.controller';
import { NodeBenchBackend } from './adapters/node-bench.backend';
import { AppControlController } from './api/app-control.controller';
import { NodeAgents } from './adapters/node-agents';
import { DaemonController } from './api/daemon.controller';
import { NetworkStatsController } from './api/stats.controller';
import { ExplorerController } from './api/explorer.controller';
import { InsightController } from './api/insight.controller';
import { FluxErrorFilter } from './api/error.filter';
import { SpecController } from './api/spec.controller';
import { IdController } from './api/id.controller';
import { NodesController } from './api/nodes.controller';
import { EventsController } from './api/events.controller';
import { LiveEvents } from './live/live-events.service';
import { ReadSnapshots } from './snapshots/read-snapshots';
import { SpecChecks } from './spec/spec-checks';
import { ImageChecks, IMAGE_REGISTRY } from './spec/image-checks';
import { RegistryHttpApi } from './adapters/image-registry';
import { AuthStore } from './auth/auth-store';
import { AuthService } from './auth/auth.service';
import { UserGuard } from './auth/user.guard';
import type { GatewayConfig } from './config';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return serviceModule(GatewayModule, { name: 'gateway', config, logger }, {
      controllers: [AppsController, AppControlController, SpecController, IdController, DaemonController, NetworkStatsController, ExplorerController, InsightController, BenchmarkController, PlacementController, NodesController, EventsController],
      providers: [
        RpcClientProvider, Backend, ReadSnapshots, NodeBenchBackend, NodeAgents, ExplorerBackend, Daemon, SpecChecks, ImageChecks,
        { provide: IMAGE_REGISTRY, useValue: config.IMAGE_CHECK_REGISTRY ? new RegistryHttpApi(config.IMAGE_CHECK_REGISTRY) : null },
        AuthStore, AuthService, UserGuard, LiveEvents, { provide: APP_FILTER, useClass: FluxErrorFilter },
      ],
    });
  }
}
