import { Injectable } from '@nestjs/common';
import { pageOf, type AppLocation, type AppLocationsQuery } from '@fluxplane/contracts';
import { SchedulerStateReader } from '../projections/scheduler-state.reader';
import { key } from '../projections/scheduler.projection';

/** A location row (the contract's `AppLocation`, FluxOS's shape plus our node id). */
export type { AppLocation };

/** FluxOS keeps a location row 125 min after its broadcast. */
export const LOCATION_TTL_MS = 125 * 60_000;

/**
 * Running instances, for the gateway's `/apps/location/:name` and `/apps/locations`. Flux learns
 * locations from gossip that is up to an hour old; ours are live (down nodes are left out), so each
 * row counts as broadcast at the moment of the answer and expires one Flux TTL later.
 */
@Injectable()
export class LocationsQuery {
  constructor(private readonly repo: SchedulerStateReader) {}

  async handle(req: AppLocationsQuery, now = new Date()): Promise<AppLocation[]> {
    const rows = await this.repo.running(req.app === undefined ? undefined : key(req.app), req.stopped ?? false);
    return pageOf(rows, req).map((r) => ({
      name: r.name,
      hash: r.hash,
      ip: r.ip,
      broadcastedAt: now.toISOString(),
      expireAt: new Date(now.getTime() + LOCATION_TTL_MS).toISOString(),
      runningSince: r.runningSince.toISOString(),
      // Not tracked by the control plane; FluxOS sends the OS uptime in seconds.
      osUptime: 0,
      staticIp: false,
      nodeId: r.nodeId,
    }));
  }
}
