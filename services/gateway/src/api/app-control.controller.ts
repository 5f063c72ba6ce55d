import { applyDecorators, Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppControlReply, AppInspectReply, AppLogReply, AppStatsReply, ErrorBody, type AppControlAction } from '@fluxplane/contracts';
import { FluxError } from '@fluxplane/service-kit';
import { Backend } from '../adapters/backend';
import { NodeAgents } from '../adapters/node-agents';
import { UserGuard } from '../auth/user.guard';
import { ZELIDAUTH_HEADER } from '../auth/zelidauth';
import { success } from './envelope';
import { ApiFluxReply } from './openapi';

const ownerHeader = {
  name: ZELIDAUTH_HEADER, required: true,
  description: "the app owner's FluxOS auth: JSON {zelid, signature, loginPhrase}; anyone else is answered 401",
};
const appnameParam = { name: 'appname', description: 'application name (case-insensitive)', schema: { type: 'string' as const } };

/** Each node's answer, or its error: one node down does not hide the others. */
const perNode = (data: z.ZodType) => z.array(z.union([
  z.object({ nodeId: z.string(), ip: z.string(), data }),
  z.object({ nodeId: z.string(), ip: z.string(), error: ErrorBody }),
]));

/**
 * A GET route of the app owner (its `zelidauth` header, the `appname` path segment) answering each
 * node's `reply`. The parameters are declared in the order stacked decorators would.
 */
const OwnerGet = (path: string, summary: string, reply: z.ZodType) =>
  applyDecorators(Get(path), ApiOperation({ summary }), ApiParam(appnameParam), ApiHeader(ownerHeader), ApiFluxReply(perNode(reply)));

/**
 * FluxOS's owner routes (`appownerabove`): the owner, logged in with `zelidauth`, reads the logs,
 * resource stats and Docker record of the app's containers and restarts, stops or starts it. The
 * nodes the app is placed on answer, each for its instance, over the bus; a stop holds the instance
 * (no restart by its agent) until a start. Like FluxOS these are GET routes.
 */
@ApiTags('apps')
@Controller('apps')
@UseGuards(UserGuard)
export class AppControlController {
  constructor(private readonly backend: Backend, private readonly nodes: NodeAgents) {}

  @Get(['applog/:appname', 'applog/:appname/:lines'])
  @ApiOperation({ summary: "The last lines of the app's container logs, from every node that holds it (owner only)" })
  @ApiHeader(ownerHeader)
  @ApiParam(appnameParam)
  @ApiParam({ name: 'lines', description: 'lines from the end of each log (default 100, at most 10000)', schema: { type: 'string' } })
  @ApiQuery({ name: 'lines', required: false, description: 'as the path segment', schema: { type: 'string' } })
  @ApiFluxReply(perNode(AppLogReply))
  async log(@Req() req: FastifyRequest, @Param('appname') app: string, @Param('lines') lines?: string, @Query('lines') qLines?: string) {
    const name = await this.ownedApp(req, app);
    const raw = lines ?? qLines;
    const n = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new FluxError(400, 'BadRequest', `lines: must be a whole number from 1 to 10000 (got ${raw})`);
    return success(await this.nodes.ask(name, 'appLog', { app: name, lines: n }));
  }

  @OwnerGet('appstats/:appname', "One sample of the app's containers' resource statistics (Docker stats), per node (owner only)", AppStatsReply)
  async stats(@Req() req: FastifyRequest, @Param('appname') app: string) {
    const name = await this.ownedApp(req, app);
    return success(await this.nodes.ask(name, 'appStats', { app: name }));
  }

  @OwnerGet('appinspect/:appname', "Docker's record of the app's containers, per node (owner only)", AppInspectReply)
  async inspect(@Req() req: FastifyRequest, @Param('appname') app: string) {
    const name = await this.ownedApp(req, app);
    return success(await this.nodes.ask(name, 'appInspect', { app: name }));
  }

  @OwnerGet('apprestart/:appname', "Restarts the app's containers on every node that holds it (owner only)", AppControlReply)
  restart(@Req() req: FastifyRequest, @Param('appname') app: string) {
    return this.control(req, app, 'restart');
  }

  @OwnerGet('appstop/:appname', 'Stops the app on every node that holds it; it stays stopped (still placed) until /apps/appstart (owner only)', AppControlReply)
  stop(@Req() req: FastifyRequest, @Param('appname') app: string) {
    return this.control(req, app, 'stop');
  }

  @OwnerGet('appstart/:appname', 'Starts a stopped app again on every node that holds it (owner only)', AppControlReply)
  start(@Req() req: FastifyRequest, @Param('appname') app: string) {
    return this.control(req, app, 'start');
  }

  private async control(req: FastifyRequest, app: string, action: AppControlAction) {
    const name = await this.ownedApp(req, app);
    return success(await this.nodes.ask(name, 'appControl', { app: name, action }));
  }

  /** The app's registered name, when the caller (already authenticated by the guard) owns it; else 401, as FluxOS. */
  private async ownedApp(req: FastifyRequest, app: string): Promise<string> {
    const spec = await this.backend.app(app);
    if (!spec) throw new FluxError(404, 'NotFound', `application ${app} not found`);
    const zelid = (req as FastifyRequest & { zelid?: string }).zelid ?? '';
    if (!sameId(zelid, spec.owner)) throw new FluxError(401, 'Unauthorized', `Unauthorized. Access denied: ${app} belongs to another owner`);
    return spec.name;
  }
}

/** ZelIDs are case-sensitive, except Ethereum addresses (0x…), whose case is only a checksum. */
function sameId(a: string, b: string): boolean {
  return a.startsWith('0x') ? a.toLowerCase() === b.toLowerCase() : a === b;
}
