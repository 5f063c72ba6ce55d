import { DynamicModule, Module } from '@nestjs/common';
import { Logger, serviceModule } from '@fluxplane/service-kit';
import { stateFileOf, type DomainManagerConfig } from './config';
import { HaproxyAdapter } from './adapters/haproxy.adapter';
import { PROXY_ADAPTER } from './adapters/proxy-adapter';
import { DEFAULT_SERVER_OPTIONS } from './domain/render-config';
import { RoutingProjection } from './projections/routing.projection';
import { RoutingStateReader } from './projections/routing-state.reader';
import { RouteApplier } from './reconcile/route-applier';
import { RoutesController } from './api/routes.controller';
import { AppIpsController } from './api/app-ips.controller';
import { SCHEMA } from './schema';
import { tlsRenderSettings } from './cert-config';
import { certificateParts } from './reconcile/certificates.providers';
import { dnsProviderFrom } from './adapters/dns-provider.factory';
import { DNS_PROVIDER } from './adapters/dns-provider';
import { DnsApplier } from './reconcile/dns-applier';
import { DnsController } from './api/dns.controller';

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
      cookieKey: config.HAPROXY_COOKIE_KEY,
      drainGraceMs: config.ROUTE_DRAIN_GRACE_MS,
      tls: tlsRenderSettings(config),
    }, logger.child({ component: 'haproxy' }));
    // Certificates (ACME_DIRECTORY_URL): their own loop after each routes apply (cert-config.ts).
    const certs = certificateParts(config, proxy.runtime);
    // DNS records (DNS_PROVIDER): their own provider and loop beside the routes, on the same projection.
    const dns = dnsProviderFrom(config);
    return serviceModule(DomainManagerModule, { name: 'domain-manager', config, logger, database: { schema: SCHEMA } }, {
      controllers: [RoutesController, AppIpsController, ...(dns ? [DnsController] : []), ...certs.controllers],
      providers: [
        { provide: PROXY_ADAPTER, useValue: proxy }, RoutingProjection, RoutingStateReader, RouteApplier,
        ...(dns ? [{ provide: DNS_PROVIDER, useValue: dns }, DnsApplier] : []),
        ...certs.providers,
      ],
    });
  }
}
