import { DynamicModule, Module } from '@nestjs/common';
import { Logger, ServiceKitModule } from '@fluxplane/service-kit';
import { stateFileOf, type DomainManagerConfig } from './config';
import { HaproxyAdapter } from './adapters/haproxy.adapter';
import { PROXY_ADAPTER } from './adapters/proxy-adapter';
import { DEFAULT_SERVER_OPTIONS } from './domain/render-config';
import { RoutingProjection } from './projections/routing.projection';
import { RoutingStateReader } from './projections/routing-state.reader';
import { RouteApplier } from './apply/route-applier';
import { RoutesController } from './api/routes.controller';
import { SCHEMA } from './schema';

@Module({})
export class DomainManagerModule {
  static forRoot(config: DomainManagerConfig, logger: Logger): DynamicModule {
    const proxy = new HaproxyAdapter({
      configPath: config.HAPROXY_CONFIG,
      mapPath: config.HAPROXY_MAP,
      adminSocket: config.HAPROXY_ADMIN_SOCKET,
      masterSocket: config.HAPROXY_MASTER_SOCKET,
      stateFile: stateFileOf(config),
      bind: config.HAPROXY_BIND,
      bin: config.HAPROXY_BIN,
      serverOptions: config.HAPROXY_SERVER_CHECKS ? DEFAULT_SERVER_OPTIONS : '',
    }, logger.child({ component: 'haproxy' }));
    return {
      module: DomainManagerModule,
      imports: [ServiceKitModule.forRoot({ name: 'domain-manager', config, logger, database: { schema: SCHEMA } })],
      controllers: [RoutesController],
      providers: [{ provide: PROXY_ADAPTER, useValue: proxy }, RoutingProjection, RoutingStateReader, RouteApplier],
    };
  }
}
