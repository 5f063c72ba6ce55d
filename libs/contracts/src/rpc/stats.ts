import { z } from 'zod';
import { Queries } from '../subjects';
import { defineQuery, NoParameters } from './define';

const count = z.number().int().nonnegative();
/** A point in time: Unix milliseconds. */
const UnixMs = z.number().int().nonnegative();
const TierCounts = z.object({ CUMULUS: count, NIMBUS: count, STRATUS: count });
/** Counts by a label (a benchmark status, a version, a country code): labels with no node are left out. */
const CountsBy = z.record(z.string(), count);

/** `qry.stats.summary`, `GET /stats`: nodes (up = heard from lately), active apps, running instances. */
export const NetworkSummary = z.object({
  nodes: z.object({ total: count, up: count, byTier: TierCounts }),
  apps: z.object({ total: count }),
  instances: z.object({ running: count }),
});
export type NetworkSummary = z.infer<typeof NetworkSummary>;

export const statsSummary = defineQuery(Queries.statsSummary, NoParameters, NetworkSummary);

/** What is allocated to apps and what is left, on the nodes of one tier. */
const UsedFree = z.object({ used: z.number().nonnegative(), free: z.number().nonnegative() });
export const TierResources = z.object({
  /** cores */
  cpu: UsedFree,
  ramMb: UsedFree,
  hddGb: UsedFree,
});
export type TierResources = z.infer<typeof TierResources>;

/**
 * The network at one moment (services/stats samples it every `STATS_SAMPLE_INTERVAL_MS`). Nodes are
 * the confirmed ones (not expired); `up` = heard from lately, `down` = the rest.
 */
export const NetworkFigures = z.object({
  nodes: z.object({
    total: count,
    up: count,
    down: count,
    /** by collateral tier */
    byTier: TierCounts,
    /** the up ones by collateral tier */
    upByTier: TierCounts,
    /** by FluxBench status: the tier the node qualified for, `failed`, or `pending` (not benchmarked yet) */
    byBenchmark: CountsBy,
    /** by the node software's version its benchmark reported (`unknown` before one did) */
    byVersion: CountsBy,
    /** by ISO country code of the node's benchmark geolocation (`unknown` without one) */
    byCountry: CountsBy,
  }),
  /** registered, not expired */
  apps: z.object({ total: count }),
  /**
   * Instances by their last state: `scheduled` = placed, not reported started yet; `running`,
   * `failed` = their node's last report; `stopped` = stopped by their owner (still placed).
   */
  instances: z.object({ running: count, scheduled: count, failed: count, stopped: count }),
  /**
   * Per tier: `used` = what the placements on the tier's confirmed nodes claim; `free` = what the
   * tier's up nodes could still give apps (protocol capacity minus the locked share minus used).
   */
  resources: z.object({ CUMULUS: TierResources, NIMBUS: TierResources, STRATUS: TierResources }),
});
export type NetworkFigures = z.infer<typeof NetworkFigures>;

/**
 * Placement and healing activity within one sample's interval `[at - interval, at)`, by the time of
 * the events: `started` InstanceStarted, `failed` InstanceFailed, `moved` instances placed on another
 * node to replace one released from a live app (healing, or an update that no longer fits),
 * `masterChanges` MasterElected naming another node than the term before it, `masterElections` every
 * MasterElected (first terms too).
 */
export const ActivityCounts = z.object({ started: count, failed: count, moved: count, masterChanges: count, masterElections: count });
export type ActivityCounts = z.infer<typeof ActivityCounts>;
export const ACTIVITY_KINDS = ['started', 'failed', 'moved', 'masterChanges', 'masterElections'] as const satisfies ReadonlyArray<keyof ActivityCounts>;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export const StatsSample = NetworkFigures.extend({
  /** when the sample was taken (Unix ms, a multiple of the interval) */
  at: UnixMs,
  activity: ActivityCounts,
});
export type StatsSample = z.infer<typeof StatsSample>;

/** Most samples one history answer carries: larger ranges are thinned (see StatsHistory). */
export const MAX_HISTORY_SAMPLES = 1000;

/** A time range `[from, to]` in Unix ms; both default to the last hour. */
const Range = {
  from: UnixMs.optional(),
  to: UnixMs.optional(),
};
const fromBeforeTo = (q: { from?: number; to?: number }) => q.from === undefined || q.to === undefined || q.from <= q.to;

export const StatsHistoryQuery = z.object({
  ...Range,
  /** At most this many samples (default and maximum MAX_HISTORY_SAMPLES). */
  maxSamples: z.number().int().positive().max(MAX_HISTORY_SAMPLES).optional(),
}).refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] });
export type StatsHistoryQuery = z.infer<typeof StatsHistoryQuery>;

/**
 * `qry.stats.history`, `GET /stats/history`: the samples taken in `[from, to]`, oldest first. When the
 * range holds more than `maxSamples` (or more than fit in one NATS message), consecutive samples are
 * merged `k` at a time: the last one's figures, the sum of their activity, and `intervalS` is `k` times
 * the sampling interval.
 */
export const StatsHistory = z.object({
  /** seconds each sample's activity covers */
  intervalS: z.number().positive(),
  samples: z.array(StatsSample),
});
export type StatsHistory = z.infer<typeof StatsHistory>;

export const statsHistory = defineQuery(Queries.statsHistory, StatsHistoryQuery, StatsHistory);

/** Most entries one tier history answer carries (fluxstats' `/fluxhistorystats` over 30 days: ~2,500). */
export const MAX_TIER_HISTORY_ENTRIES = 5000;

export const StatsTierHistoryQuery = z.object({
  ...Range,
  maxEntries: z.number().int().positive().max(MAX_TIER_HISTORY_ENTRIES).optional(),
}).refine(fromBeforeTo, { message: 'from must not be after to', path: ['from'] });
export type StatsTierHistoryQuery = z.infer<typeof StatsTierHistoryQuery>;

/** Confirmed nodes per tier at one sample (`/fluxhistorystats`): thinned to at most `maxEntries`, evenly over the range. */
export const TierHistoryEntry = TierCounts.extend({ at: UnixMs });
export type TierHistoryEntry = z.infer<typeof TierHistoryEntry>;
export const statsTierHistory = defineQuery(Queries.statsTierHistory, StatsTierHistoryQuery, z.array(TierHistoryEntry));

const Page = {
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
};

/** `qry.stats.sample-times`: when every kept sample was taken (Unix ms, oldest first), a page at a time. */
export const StatsSampleTimesQuery = z.object(Page);
export const statsSampleTimes = defineQuery(Queries.statsSampleTimes, StatsSampleTimesQuery, z.array(UnixMs));

/** One confirmed node as stats knows it now (`/fluxinfo`, `/fluxversions`, `/fluxlocations`). */
export const NodeStat = z.object({
  nodeId: z.string(),
  ip: z.string(),
  tier: z.enum(['CUMULUS', 'NIMBUS', 'STRATUS']),
  up: z.boolean(),
  benchmark: z.object({
    /** the tier it qualified for, `failed`, or `pending` */
    status: z.string(),
    /** FluxBench's version; null before a benchmark */
    version: z.string().nullable(),
    /** the node software's version (FluxBench `flux_version`); null when not reported */
    fluxVersion: z.string().nullable(),
  }),
  /** codes as the node reported them with its benchmark; null when it did not */
  geolocation: z.object({ continentCode: z.string(), countryCode: z.string(), regionName: z.string().nullable() }).nullable(),
  /** running instances on it */
  instances: count,
});
export type NodeStat = z.infer<typeof NodeStat>;

/** `qry.stats.nodes`: confirmed nodes ordered by node id, a page at a time. */
export const StatsNodesQuery = z.object(Page);
export const statsNodes = defineQuery(Queries.statsNodes, StatsNodesQuery, z.array(NodeStat));
