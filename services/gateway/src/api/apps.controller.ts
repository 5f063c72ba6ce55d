import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { FluxMessage } from '@fluxplane/contracts';
import { Backend } from '../adapters/backend';
import { UserGuard } from '../auth/user.guard';
import { ZELIDAUTH_HEADER } from '../auth/zelidauth';
import { parseBody } from './body';
import { ApiError, success } from './envelope';

const optional = (v?: string) => (v && v !== 'undefined' && v !== 'null' ? v : undefined);

const zelidauthHeader = {
  name: ZELIDAUTH_HEADER, required: true,
  description: 'FluxOS user auth: JSON {zelid, signature, loginPhrase} (or the same as a query string); a logged-in phrase, or a signed phrase under 16 h old',
};
const messageBody = { schema: z.toJSONSchema(FluxMessage) as Record<string, unknown> };

/** FluxOS's `/apps/*` routes (ZelBack/src/routes.js), same paths, same envelope. */
@ApiTags('apps')
@Controller('apps')
export class AppsController {
  constructor(private readonly backend: Backend) {}

  @Get(['globalappsspecifications', 'globalappsspecifications/:hash', 'globalappsspecifications/:hash/:owner', 'globalappsspecifications/:hash/:owner/:appname'])
  async globalSpecs(@Param() p: Record<string, string>, @Query() q: Record<string, string>) {
    return success(await this.backend.specs({
      hash: optional(p.hash ?? q.hash), owner: optional(p.owner ?? q.owner), name: optional(p.appname ?? q.appname),
    }));
  }

  @Get(['appspecifications/:appname', 'appspecifications'])
  async spec(@Param('appname') name?: string, @Query('appname') qName?: string) {
    const app = optional(name ?? qName);
    if (!app) throw new ApiError(400, 'BadRequest', 'appname is required');
    const [spec] = await this.backend.specs({ name: app });
    if (!spec) throw new ApiError(404, 'NotFound', `application ${app} not found`);
    return success(spec);
  }

  @Get(['appowner/:appname', 'appowner'])
  async owner(@Param('appname') name?: string, @Query('appname') qName?: string) {
    const app = optional(name ?? qName);
    if (!app) throw new ApiError(400, 'BadRequest', 'appname is required');
    const [spec] = await this.backend.specs({ name: app });
    if (!spec) throw new ApiError(404, 'NotFound', `application ${app} not found`);
    return success(spec.owner);
  }

  @Get(['location/:appname', 'location'])
  async location(@Param('appname') name?: string, @Query('appname') qName?: string) {
    const app = optional(name ?? qName);
    if (!app) throw new ApiError(400, 'BadRequest', 'appname is required');
    return success(await this.backend.locations(app));
  }

  @Get('locations')
  async locations() {
    return success(await this.backend.locations());
  }

  @Get(['permanentmessages', 'permanentmessages/:hash', 'permanentmessages/:hash/:owner', 'permanentmessages/:hash/:owner/:appname'])
  async permanent(@Param() p: Record<string, string>, @Query() q: Record<string, string>) {
    return success(await this.backend.messages({
      state: 'permanent', hash: optional(p.hash ?? q.hash), owner: optional(p.owner ?? q.owner), name: optional(p.appname ?? q.appname),
    }));
  }

  @Get(['temporarymessages', 'temporarymessages/:hash'])
  async temporary(@Param('hash') hash?: string, @Query('hash') qHash?: string) {
    return success(await this.backend.messages({ state: 'temporary', hash: optional(hash ?? qHash) }));
  }

  @Get('hashes')
  async hashes() {
    return success(await this.backend.hashes());
  }

  /** Registers a signed app (FluxOS: `POST /apps/appregister`); answers the message hash. */
  @Post('appregister')
  @HttpCode(200)
  @UseGuards(UserGuard)
  @ApiOperation({ summary: 'Submit a signed fluxappregister message; answers its hash (pay it to register the app)' })
  @ApiHeader(zelidauthHeader)
  @ApiBody(messageBody)
  async register(@Body() body: unknown, @Headers('x-correlation-id') correlationId?: string) {
    return this.submit(body, 'fluxappregister', correlationId);
  }

  @Post('appupdate')
  @HttpCode(200)
  @UseGuards(UserGuard)
  @ApiOperation({ summary: 'Submit a fluxappupdate message signed by the current owner; answers its hash' })
  @ApiHeader(zelidauthHeader)
  @ApiBody(messageBody)
  async update(@Body() body: unknown, @Headers('x-correlation-id') correlationId?: string) {
    return this.submit(body, 'fluxappupdate', correlationId);
  }

  private async submit(body: unknown, kind: 'fluxappregister' | 'fluxappupdate', correlationId?: string) {
    const message = parseBody(body, FluxMessage, 'message');
    const legacy = kind === 'fluxappregister' ? 'zelappregister' : 'zelappupdate';
    if (message.type !== kind && message.type !== legacy) {
      throw new ApiError(400, 'BadRequest', `message.type: expected ${kind} on this route, got ${message.type}`);
    }
    const { hash } = await this.backend.submitMessage(message, correlationId ?? randomUUID());
    return success(hash);
  }
}
