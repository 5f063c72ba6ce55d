import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Logger, ServiceKitModule } from '@fluxplane/service-kit';
import { Backend } from './adapters/backend';
import { Daemon } from './adapters/daemon';
import { AppsController } from './api/apps.controller';
import { DaemonController } from './api/daemon.controller';
import { NetworkStatsController } from './api/stats.controller';
import { ExplorerController } from './api/explorer.controller';
import { FluxErrorFilter } from './api/error.filter';
import { SpecController } from './api/spec.controller';
import { IdController } from './api/id.controller';
import { SpecChecks } from './spec/spec-checks';
import { AuthStore } from './auth/auth-store';
import { AuthService } from './auth/auth.service';
import { UserGuard } from './auth/user.guard';
import type { GatewayConfig } from './config';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ServiceKitModule.forRoot({ name: 'gateway', config, logger })],
      controllers: [AppsController, SpecController, IdController, DaemonController, NetworkStatsController, ExplorerController],
      providers: [Backend, Daemon, SpecChecks, AuthStore, AuthService, UserGuard, { provide: APP_FILTER, useClass: FluxErrorFilter }],
    };
  }
}
