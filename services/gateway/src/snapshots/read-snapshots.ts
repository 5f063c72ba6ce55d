import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Notifications, type AppLocation, type AppMessage, type NetworkSummary, type NodeStat, type RegisteredSpec } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, errorText, type Logger } from '@fluxplane/service-kit';
import { Backend } from '../adapters/backend';
import type { GatewayConfig } from '../config';
import { viewOf, type CachedView } from './cached-view';
import { Snapshot, type SnapshotState } from './snapshot';

/**
 * FluxOS's response cache durations of these routes (fluxos.md §6; FDM sleeps max-age + 1 s between
 * its polls): 30 s for specs and locations, 2 min for permanent messages. `/stats` is not a FluxOS
 * route; it gets the locations' 30 s.
 */
export const MAX_AGE_S = { specs: 30, locations: 30, permanentMessages: 120, stats: 30, fluxstats: 30 } as const;

/** `/fluxhistorystats` answers this much history, as fluxstats does. */
export const FLUX_HISTORY_STATS_MS = 30 * 86_400_000;

/** fluxstats' `/fluxhistorystats`: confirmed nodes per tier, keyed by the sample's time (Unix ms). */
export type FluxHistoryStats = Record<string, { cumulus: number; nimbus: number; stratus: number }>;

/** The projections (Postgres schemas of their services) whose changes make each snapshot stale. */
const OWNERS = { registry: 'app_registry', scheduler: 'scheduler', stats: 'stats' } as const;

/** A location row without the time of the answer (broadcastedAt, expireAt): what a change is. */
const locationIdentity = (rows: AppLocation[]) => rows.map(({ broadcastedAt: _b, expireAt: _e, ...rest }) => rest);

/**
 * The unfiltered answers of the gateway's hot read routes, held in memory and serialised once:
 * `/apps/globalappsspecifications`, `/apps/permanentmessages`, `/apps/locations` (and each app's
 * `/apps/location/:app` derived from it), `/stats` and the fluxstats routes (`/fluxhistorystats`,
 * `/availabletimes`, and `/fluxinfo`, `/fluxversions`, `/fluxlocations` derived from the node list). Each is marked stale when a projection of its
 * owning service reports a change on the bus (`Notifications.projectionChanged`, after the commit),
 * when the connection to NATS comes back (notifications may have been lost), and every
 * `SNAPSHOT_REFRESH_MS` as a safety net; a stale snapshot is fetched again on its next read.
 */
@Injectable()
export class ReadSnapshots implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly specs: Snapshot<RegisteredSpec[]>;
  readonly permanentMessages: Snapshot<AppMessage[]>;
  readonly locations: Snapshot<AppLocation[]>;
  readonly stats: Snapshot<NetworkSummary>;
  readonly fluxHistoryStats: Snapshot<FluxHistoryStats>;
  readonly sampleTimes: Snapshot<number[]>;
  readonly statsNodes: Snapshot<NodeStat[]>;
  private readonly subs: Subscription[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly groups = new WeakMap<object, Map<string, AppLocation[]>>();

  constructor(
    backend: Backend,
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.specs = new Snapshot({ name: 'specs', fetch: () => backend.allSpecs() });
    this.permanentMessages = new Snapshot({
      name: 'permanentmessages',
      fetch: () => backend.allPermanentMessages(),
    });
    this.locations = new Snapshot({
      name: 'locations', fetch: () => backend.allLocations(), identity: locationIdentity, maxViewAgeMs: config.LOCATIONS_RESTAMP_MS,
    });
    this.stats = new Snapshot({ name: 'stats', fetch: () => backend.stats() });
    this.fluxHistoryStats = new Snapshot({
      name: 'fluxhistorystats',
      fetch: async () => {
        const entries = await backend.statsTierHistory({ from: Math.max(0, Date.now() - FLUX_HISTORY_STATS_MS) });
        return Object.fromEntries(entries.map((e) => [String(e.at), { cumulus: e.CUMULUS, nimbus: e.NIMBUS, stratus: e.STRATUS }]));
      },
    });
    this.sampleTimes = new Snapshot({ name: 'availabletimes', fetch: () => backend.allSampleTimes() });
    this.statsNodes = new Snapshot({ name: 'statsnodes', fetch: () => backend.allStatsNodes() });
  }

  private get byOwner(): Array<[string, Array<Snapshot<unknown>>]> {
    return [
      [OWNERS.registry, [this.specs, this.permanentMessages] as Array<Snapshot<unknown>>],
      [OWNERS.scheduler, [this.locations] as Array<Snapshot<unknown>>],
      [OWNERS.stats, [this.stats, this.fluxHistoryStats, this.sampleTimes, this.statsNodes] as Array<Snapshot<unknown>>],
    ];
  }

  private all(): Array<Snapshot<unknown>> {
    return this.byOwner.flatMap(([, s]) => s);
  }

  onApplicationBootstrap(): void {
    const nc = this.store.nc;
    for (const [schema, snapshots] of this.byOwner) {
      this.subs.push(nc.subscribe(Notifications.projectionsOf(schema), {
        callback: () => { for (const s of snapshots) s.invalidate(); },
      }));
    }
    void (async () => {
      for await (const s of nc.status()) {
        if (this.stopped) return;
        if (s.type === 'reconnect') {
          this.logger.info({}, 'NATS reconnected; read snapshots marked stale');
          for (const snap of this.all()) snap.invalidate();
        }
      }
    })().catch((err) => this.logger.warn({ err: errorText(err) }, 'stopped watching the NATS connection'));
    // No change is known at these times: fetch in the background, reads keep the current copy.
    this.timer = setInterval(() => {
      for (const s of this.all()) void s.revalidate((err) => this.logger.warn({ snapshot: s.name, err: errorText(err) }, 'snapshot revalidation failed'));
    }, this.config.SNAPSHOT_REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
  }

  /** `/apps/location/:app` from the locations snapshot: the rows of `app` (case-insensitive), in order. */
  async appLocations(app: string): Promise<CachedView> {
    const state = await this.locations.current();
    const key = app.toLowerCase();
    let view = state.derived.get(key);
    if (!view) {
      let groups = this.groups.get(state);
      if (!groups) {
        // The first per-app read of this snapshot groups every app's rows once.
        groups = new Map();
        for (const row of state.data) {
          const k = row.name.toLowerCase();
          const rows = groups.get(k);
          if (rows) rows.push(row);
          else groups.set(k, [row]);
        }
        this.groups.set(state, groups);
      }
      const rows = groups.get(key);
      if (!rows) return EMPTY;
      view = viewOf(rows);
      state.derived.set(key, view);
    }
    return view;
  }
}

/**
 * An answer cut from a snapshot's data (`build`), serialised once per snapshot state under `key`
 * (dropped with the state when the data changes).
 */
export async function derivedView<T>(snapshot: Snapshot<T>, key: string, build: (data: T) => unknown): Promise<CachedView> {
  const state: SnapshotState<T> = await snapshot.current();
  let view = state.derived.get(key);
  if (!view) {
    view = viewOf(build(state.data));
    state.derived.set(key, view);
  }
  return view;
}

const EMPTY = viewOf([]);
