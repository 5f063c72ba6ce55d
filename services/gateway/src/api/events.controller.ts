import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { FluxError } from '@fluxplane/service-kit';
import { LiveEvents } from '../live/live-events.service';
import { success } from './envelope';
import { ApiFluxReply } from './openapi';

const AppName = z.string().regex(/^[A-Za-z0-9]{3,63}$/, 'must be an app name (3 to 63 letters and digits)');
const Limit = z.coerce.number().int().min(1).max(500).default(50);

const LiveEventBody = z.object({ seq: z.number().int(), subject: z.string(), type: z.string(), time: z.string(), data: z.unknown() });

function parseQuery<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new FluxError(400, 'BadRequest', `${name}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/**
 * The event stream for browsers (not FluxOS routes): the last events of an app, and the live events
 * as server-sent events, pushed from the bus as they are stored.
 */
@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly live: LiveEvents) {}

  @Get('recent')
  @ApiOperation({ summary: "The last events of an app's aggregates (spec, placements, instances, masters), oldest first" })
  @ApiQuery({ name: 'app', required: true, schema: { type: 'string' } })
  @ApiQuery({ name: 'limit', required: false, description: 'how many (1 to 500, default 50)', schema: { type: 'string' } })
  @ApiFluxReply(z.array(LiveEventBody))
  async recent(@Query('app') app: unknown, @Query('limit') limit: unknown) {
    return success(await this.live.recent(parseQuery(AppName, app, 'app'), parseQuery(Limit, limit, 'limit')));
  }

  @Get('live')
  @ApiOperation({
    summary: 'Server-sent events: every event as it is stored (`id:` its stream sequence, `data:` {seq, subject, type, time, data}); an `event: gap` frame when some were left out for a slow reader',
  })
  @ApiQuery({ name: 'app', required: false, description: "only this app's events", schema: { type: 'string' } })
  @ApiOkResponse({
    description: 'an open stream of server-sent events',
    content: { 'text/event-stream': { schema: { type: 'string', description: 'frames `id: <seq>\\ndata: <JSON of {seq, subject, type, time, data}>`, `event: gap`, `: ping` comments' } } },
  })
  follow(@Res() reply: FastifyReply, @Query('app') app: unknown) {
    const name = app === undefined || app === '' ? undefined : parseQuery(AppName, app, 'app');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The browser waits this long before reconnecting after the connection drops.
    res.write('retry: 2000\n\n');
    const stop = this.live.follow(res, name);
    // The response closes when the browser goes away (or at shutdown, when the feed ends it).
    res.once('close', stop);
  }
}
