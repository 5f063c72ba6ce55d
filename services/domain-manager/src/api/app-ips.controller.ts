import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppName } from '@fluxplane/contracts';
import { counter } from '@fluxplane/service-kit';
import { appIps } from '../domain/app-ips';
import { RoutingStateReader } from '../projections/routing-state.reader';

const requests = counter({ name: 'fluxplane_appips_requests_total', help: 'FDM /appips/<app> requests, by outcome', labelNames: ['outcome'] });

/**
 * FDM's `GET /appips/<app>`, which FluxOS polls to learn a `g:` app's primary (it reads `ips[0]`):
 * the bare IPs of the app's running instances, the master of its highest term first. Answered from
 * the committed projection, like the routes, so it names the primary HAProxy serves.
 */
@Controller()
export class AppIpsController {
  constructor(private readonly reader: RoutingStateReader) {}

  @Get('appips/:app')
  async appIps(@Param('app') raw: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const name = AppName.safeParse(raw);
    const app = name.success ? name.data.toLowerCase() : undefined;
    const ips = app === undefined ? undefined : appIps(await this.reader.load(), app);
    if (app === undefined || !ips) {
      requests.inc({ outcome: 'unknown' });
      void reply.status(404);
      return { status: 'error', data: { code: 404, name: 'Not Found', message: `Application ${raw} not found` } };
    }
    requests.inc({ outcome: 'found' });
    return { status: 'success', data: { appName: app, ips, count: ips.length } };
  }
}
