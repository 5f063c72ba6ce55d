import { Injectable } from '@nestjs/common';
import { AppLocationsQuery } from '@fluxplane/contracts';
import { SchedulerStateRepository } from '../adapters/scheduler-state.repository';
import { key } from '../projections/scheduler.projection';

/** A location row as FluxOS's `/apps/location(s)` returns it (fluxos.md §3 "Locations"), plus our node id. */
export interface AppLocation {
  name: string;
  hash: string;
  ip: string;
  broadcastedAt: string;
  expireAt: string;
  runningSince: string;
  osUptime: number;
  staticIp: boolean;
  nodeId: string;
}

/** FluxOS keeps a location row 125 min after its broadcast. */
export const LOCATION_TTL_MS = 125 * 60_000;

/**
 * Running instances, for the gateway's `/apps/location/:name` and `/apps/locations`. Flux learns
 * locations from gossip that is up to an hour old; ours are live (down nodes are left out), so each
 * row counts as broadcast at the moment of the answer and expires one Flux TTL later.
 */
@Injectable()
export class LocationsQuery {
  constructor(private readonly repo: SchedulerStateRepository) {}

  async handle(req: AppLocationsQuery, now = new Date()): Promise<AppLocation[]> {
    const rows = await this.repo.running(req.app === undefined ? undefined : key(req.app));
    return rows.map((r) => ({
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
