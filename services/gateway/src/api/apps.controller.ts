import { applyDecorators, Body, Headers, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiHeader, ApiParam, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { AppHash, AppLocation, FluxMessage, Hash64, PermanentAppMessage, RegisteredSpec, TemporaryAppMessage } from '@fluxplane/contracts';
import { FluxError } from '@fluxplane/service-kit';
import { Backend } from '../adapters/backend';
import { MAX_AGE_S, ReadSnapshots } from '../snapshots/read-snapshots';
import { sendView, viewOf } from '../snapshots/cached-view';
import { UserGuard } from '../auth/user.guard';
import { ImageChecks } from '../spec/image-checks';
import { ZELIDAUTH_HEADER } from '../auth/zelidauth';
import { parseBody } from './body';
import { success } from './envelope';
import { ApiFilters, FluxController, FluxGet, FluxPost } from './openapi';

const optional = (v?: string) => (v && v !== 'undefined' && v !== 'null' ? v : undefined);

function requiredAppname(appname: string | undefined): string {
  const app = optional(appname);
  if (!app) throw new FluxError(400, 'BadRequest', 'appname is required');
  return app;
}

const zelidauthHeader = {
  name: ZELIDAUTH_HEADER, required: true,
  description: 'FluxOS user auth: JSON {zelid, signature, loginPhrase} (or the same as a query string); a logged-in phrase, or a signed phrase under 16 h old',
};
const correlationHeader = { name: 'x-correlation-id', required: false, description: 'carried into the events this request causes (default: a new id)' };
const filters = {
  hash: 'message hash (64 hex characters)',
  owner: 'owner ZelID or address',
  appname: 'application name (case-insensitive)',
};

/** `route`, `route/:hash`, `route/:hash/:owner`, `route/:hash/:owner/:appname`: FluxOS's filter routes. */
const filterPaths = (route: string) => [route, `${route}/:hash`, `${route}/:hash/:owner`, `${route}/:hash/:owner/:appname`];

/** The filters of a filter route, each from its path segment or else its query parameter. */
function filtersOf(p: Record<string, string>, q: Record<string, string>) {
  return { hash: optional(p.hash ?? q.hash), owner: optional(p.owner ?? q.owner), name: optional(p.appname ?? q.appname) };
}

const appnameParam = { name: 'appname', description: filters.appname, schema: { type: 'string' as const } };
const appnameQuery = { ...appnameParam, required: false, description: `${filters.appname} (instead of the path segment)` };

/** The app's name, as the path segment (`/x/:appname`) or the query parameter (`/x?appname=`). */
const ApiAppname = () => applyDecorators(ApiParam(appnameParam), ApiQuery(appnameQuery));

type MessageKind = 'fluxappregister' | 'fluxappupdate';

/**
 * A route where a logged-in user submits a signed app message of `kind`; it answers the message
 * hash, and the events it causes carry the caller's correlation id.
 */
const MessageSubmission = (path: string, kind: MessageKind, summary: string) => applyDecorators(
  FluxPost(path, { summary, body: FluxMessage, bodyDescription: `a signed ${kind} message`, reply: Hash64 }),
  UseGuards(UserGuard), ApiHeader(zelidauthHeader), ApiHeader(correlationHeader),
);

/** FluxOS's `/apps/*` routes (ZelBack/src/routes.js), same paths, same envelope. */
@FluxController('apps')
export class AppsController {
  constructor(private readonly backend: Backend, private readonly images: ImageChecks, private readonly snapshots: ReadSnapshots) {}

  /** Unfiltered: the snapshot. Filtered (rare): asked of the registry, with the same headers. */
  @FluxGet(filterPaths('globalappsspecifications'), {
    summary: 'Registered apps: each spec with the hash and height of its latest paid message', reply: z.array(RegisteredSpec),
    cacheMaxAgeS: MAX_AGE_S.specs,
  })
  @ApiFilters(filters)
  async globalSpecs(@Param() p: Record<string, string>, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const f = filtersOf(p, q);
    const view = !f.hash && !f.owner && !f.name ? await this.snapshots.specs.view() : viewOf(await this.backend.specs(f));
    return sendView(req, reply, view, MAX_AGE_S.specs);
  }

  @FluxGet(['appspecifications/:appname', 'appspecifications'], { summary: 'The registered spec of an app', reply: RegisteredSpec })
  @ApiAppname()
  async spec(@Param('appname') name?: string, @Query('appname') qName?: string) {
    return success(await this.registeredSpec(name ?? qName));
  }

  @FluxGet(['appowner/:appname', 'appowner'], { summary: 'The owner of a registered app', reply: z.string() })
  @ApiAppname()
  async owner(@Param('appname') name?: string, @Query('appname') qName?: string) {
    return success((await this.registeredSpec(name ?? qName)).owner);
  }

  @FluxGet(['location/:appname', 'location'], { summary: 'Where the instances of an app run', reply: z.array(AppLocation), cacheMaxAgeS: MAX_AGE_S.locations })
  @ApiAppname()
  async location(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('appname') name?: string, @Query('appname') qName?: string) {
    const view = await this.snapshots.appLocations(requiredAppname(name ?? qName));
    return sendView(req, reply, view, MAX_AGE_S.locations);
  }

  @FluxGet('locations', { summary: 'Where the instances of every app run', reply: z.array(AppLocation), cacheMaxAgeS: MAX_AGE_S.locations })
  async locations(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendView(req, reply, await this.snapshots.locations.view(), MAX_AGE_S.locations);
  }

  /** Unfiltered: the snapshot. Filtered: asked of the registry, with the same headers. */
  @FluxGet(filterPaths('permanentmessages'), { summary: 'Paid (permanent) app messages', reply: z.array(PermanentAppMessage), cacheMaxAgeS: MAX_AGE_S.permanentMessages })
  @ApiFilters(filters)
  async permanent(@Param() p: Record<string, string>, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const f = filtersOf(p, q);
    const view = !f.hash && !f.owner && !f.name
      ? await this.snapshots.permanentMessages.view()
      : viewOf(await this.backend.messages({ state: 'permanent', ...f }));
    return sendView(req, reply, view, MAX_AGE_S.permanentMessages);
  }

  @FluxGet(['temporarymessages', 'temporarymessages/:hash'], { summary: 'Verified messages waiting for their payment', reply: z.array(TemporaryAppMessage) })
  @ApiFilters({ hash: filters.hash })
  async temporary(@Param('hash') hash?: string, @Query('hash') qHash?: string) {
    return success(await this.backend.messages({ state: 'temporary', hash: optional(hash ?? qHash) }));
  }

  @FluxGet('hashes', { summary: 'App payments seen on chain, and whether their message is known', reply: z.array(AppHash) })
  async hashes() {
    return success(await this.backend.hashes());
  }

  /** Registers a signed app (FluxOS: `POST /apps/appregister`); answers the message hash. */
  @MessageSubmission('appregister', 'fluxappregister', 'Submit a signed fluxappregister message; answers its hash (pay it to register the app)')
  async register(@Body() body: unknown, @Headers('x-correlation-id') correlationId?: string) {
    return this.submit(body, 'fluxappregister', correlationId);
  }

  @MessageSubmission('appupdate', 'fluxappupdate', 'Submit a fluxappupdate message signed by the current owner; answers its hash')
  async update(@Body() body: unknown, @Headers('x-correlation-id') correlationId?: string) {
    return this.submit(body, 'fluxappupdate', correlationId);
  }

  private async registeredSpec(appname: string | undefined): Promise<RegisteredSpec> {
    const app = requiredAppname(appname);
    const [spec] = await this.backend.specs({ name: app });
    if (!spec) throw new FluxError(404, 'NotFound', `application ${app} not found`);
    return spec;
  }

  private async submit(body: unknown, kind: MessageKind, correlationId?: string) {
    const message = parseBody(body, FluxMessage, 'message');
    const legacy = kind === 'fluxappregister' ? 'zelappregister' : 'zelappupdate';
    if (message.type !== kind && message.type !== legacy) {
      throw new FluxError(400, 'BadRequest', `message.type: expected ${kind} on this route, got ${message.type}`);
    }
    // FluxOS refuses images it could not run (size, platform) when the message arrives.
    await this.images.check(message.appSpecifications as Record<string, unknown>);
    const { hash } = await this.backend.submitMessage(message, correlationId ?? randomUUID());
    return success(hash);
  }
}
