import { Param, Query, Req, Res } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MAX_HISTORY_SAMPLES, NetworkSummary, NodeStat, StatsHistory } from '@fluxplane/contracts';
import { FluxError } from '@fluxplane/service-kit';
import { Backend } from '../adapters/backend';
import { derivedView, MAX_AGE_S, ReadSnapshots } from '../snapshots/read-snapshots';
import { sendView, viewOf } from '../snapshots/cached-view';
import { parseQuery } from './body';
import { FluxController, FluxGet } from './openapi';
import { FluxHistoryStatsReply, FluxLocationReply, FluxVersionReply, StatsHistoryParams } from './replies';

/** The fields `/fluxinfo/:projection` may keep (fluxstats: a comma list of fields; `geo` = ip and geolocation). */
const NODE_FIELDS = Object.keys(NodeStat.shape) as Array<keyof NodeStat>;

/** `/fluxinfo/:projection`: the fields asked for, in their canonical order (so equal asks share a view), or an error naming the unknown ones. */
function projectionOf(raw: string): Array<keyof NodeStat> {
  const asked = new Set(raw.split(',').map((f) => f.trim()).filter(Boolean).flatMap((f) => (f === 'geo' ? ['ip', 'geolocation'] : [f])));
  const unknown = [...asked].filter((f) => !(NODE_FIELDS as string[]).includes(f));
  if (unknown.length || asked.size === 0) {
    throw new FluxError(400, 'BadRequest', `projection: unknown field(s) ${unknown.join(', ') || '(none given)'}; fields are ${NODE_FIELDS.join(', ')} or geo`);
  }
  return NODE_FIELDS.filter((f) => asked.has(f));
}

/**
 * Network-wide aggregates from the stats service: the current totals (`/stats`), the history of the
 * samples (`/stats/history`), and fluxstats' routes as far as the control plane knows the network
 * (its nodes' own benchmark reports; no fluxd version, no IP geolocation service). All cached reads
 * (`Cache-Control: max-age`, strong ETag, 304).
 */
// The routes are at the root, like FluxOS's and fluxstats'.
@FluxController('stats', '')
export class NetworkStatsController {
  constructor(private readonly snapshots: ReadSnapshots, private readonly backend: Backend) {}

  @FluxGet('stats', { summary: 'Nodes (total, up, by tier), active apps and running instances', reply: NetworkSummary, cacheMaxAgeS: MAX_AGE_S.stats })
  async stats(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendView(req, reply, await this.snapshots.stats.view(), MAX_AGE_S.stats);
  }

  @FluxGet('stats/history', {
    summary: `The network's samples in [from, to] (default: the last hour), oldest first, with the activity of each interval; more than maxSamples (≤ ${MAX_HISTORY_SAMPLES}) are merged k at a time (intervalS grows k times). max-age: the interval, at most 30 s`,
    reply: StatsHistory, cacheMaxAgeS: MAX_AGE_S.stats,
    cacheSource: "Asked of the stats service for each request (the range is the caller's); max-age is the sampling interval, at most the value below.",
  })
  @ApiQuery({ name: 'from', required: false, description: 'Unix ms (default: to − 1 h)', schema: { type: 'string', pattern: '^\\d+$' } })
  @ApiQuery({ name: 'to', required: false, description: 'Unix ms (default: now)', schema: { type: 'string', pattern: '^\\d+$' } })
  @ApiQuery({ name: 'maxSamples', required: false, description: `at most this many samples (default ${MAX_HISTORY_SAMPLES})`, schema: { type: 'string', pattern: '^\\d+$' } })
  async history(@Query() query: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const q = parseQuery(query, StatsHistoryParams);
    const history = await this.backend.statsHistory(q);
    // A new sample comes every interval: a cache keeps an answer no longer than that.
    const maxAge = Math.max(1, Math.min(MAX_AGE_S.stats, Math.round(history.intervalS)));
    return sendView(req, reply, viewOf(history), maxAge);
  }

  @FluxGet('fluxhistorystats', {
    summary: "fluxstats' confirmed nodes per tier over 30 days: {<sample Unix ms>: {cumulus, nimbus, stratus}}, at most 5000 entries (thinned evenly)",
    reply: FluxHistoryStatsReply, cacheMaxAgeS: MAX_AGE_S.fluxstats,
  })
  async fluxHistoryStats(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendView(req, reply, await this.snapshots.fluxHistoryStats.view(), MAX_AGE_S.fluxstats);
  }

  @FluxGet('availabletimes', { summary: "fluxstats' round times: when every kept sample was taken (Unix ms, oldest first)", reply: z.array(z.number().int()), cacheMaxAgeS: MAX_AGE_S.fluxstats })
  async availableTimes(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendView(req, reply, await this.snapshots.sampleTimes.view(), MAX_AGE_S.fluxstats);
  }

  @FluxGet('fluxinfo', {
    summary: 'The confirmed nodes now, ordered by node id: tier, up, benchmark status and versions, geolocation, running instances (not the whole /flux/info of each node fluxstats stores)',
    reply: z.array(NodeStat), cacheMaxAgeS: MAX_AGE_S.fluxstats,
  })
  async fluxInfo(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendView(req, reply, await this.snapshots.statsNodes.view(), MAX_AGE_S.fluxstats);
  }

  @FluxGet('fluxinfo/:projection', { summary: '/fluxinfo with only the fields named (comma-separated; `geo` = ip and geolocation)', reply: z.array(NodeStat.partial()), cacheMaxAgeS: MAX_AGE_S.fluxstats })
  @ApiParam({ name: 'projection', description: `comma-separated fields of ${NODE_FIELDS.join(', ')}, or geo`, schema: { type: 'string' } })
  async fluxInfoProjected(@Param('projection') projection: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const fields = projectionOf(projection);
    const view = await derivedView(this.snapshots.statsNodes, `info:${fields.join(',')}`,
      (nodes) => nodes.map((n) => Object.fromEntries(fields.map((f) => [f, n[f]]))));
    return sendView(req, reply, view, MAX_AGE_S.fluxstats);
  }

  @FluxGet('fluxversions', { summary: "fluxstats' versions per node: {ip, daemon (not known: null), benchmark (FluxBench), flux (node software)}", reply: z.array(FluxVersionReply), cacheMaxAgeS: MAX_AGE_S.fluxstats })
  async fluxVersions(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const view = await derivedView(this.snapshots.statsNodes, 'versions',
      (nodes) => nodes.map((n) => ({ ip: n.ip, daemon: null, benchmark: n.benchmark.version, flux: n.benchmark.fluxVersion })));
    return sendView(req, reply, view, MAX_AGE_S.fluxstats);
  }

  @FluxGet(['fluxlocations', 'fluxlocationsnow'], {
    summary: "fluxstats' node locations (flat): {ip, continentCode, countryCode, regionName} of each node whose benchmark reported one",
    reply: z.array(FluxLocationReply), cacheMaxAgeS: MAX_AGE_S.fluxstats,
  })
  async fluxLocations(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const view = await derivedView(this.snapshots.statsNodes, 'locations',
      (nodes) => nodes.flatMap((n) => (n.geolocation ? [{ ip: n.ip, ...n.geolocation }] : [])));
    return sendView(req, reply, view, MAX_AGE_S.fluxstats);
  }
}
