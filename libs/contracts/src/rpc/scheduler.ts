import { z } from 'zod';
import { AppLocationsQuery } from '../commands';
import { Queries } from '../subjects';
import { defineQuery, NoParameters } from './define';

/** A location row as FluxOS's `/apps/location(s)` returns it (fluxos.md §3 "Locations"), plus our node id. */
export const AppLocation = z.object({
  name: z.string(),
  hash: z.string(),
  ip: z.string(),
  broadcastedAt: z.iso.datetime(),
  expireAt: z.iso.datetime(),
  runningSince: z.iso.datetime(),
  osUptime: z.number(),
  staticIp: z.boolean(),
  nodeId: z.string(),
});
export type AppLocation = z.infer<typeof AppLocation>;

export const appLocations = defineQuery(Queries.appLocations, AppLocationsQuery, z.array(AppLocation));

const Tier = z.enum(['CUMULUS', 'NIMBUS', 'STRATUS']);

/**
 * Why an app is (not) placed, as the scheduler judges it now: every node it knows tried against every
 * placement rule for one more instance, each node counted once under the first rule it fails
 * (`eligible` + the sum of `ruledOut` = `totalNodes`); where each instance runs and why; what the
 * scheduler would place or release now.
 */
export const PlacementExplanation = z.object({
  app: z.string(),
  /** false for a dry run of a spec that is not registered */
  registered: z.boolean(),
  target: z.number().int().nonnegative(),
  placed: z.number().int().nonnegative(),
  totalNodes: z.number().int().nonnegative(),
  eligible: z.number().int().nonnegative(),
  ruledOut: z.array(z.object({ rule: z.string(), label: z.string(), nodes: z.number().int().positive() })),
  instances: z.array(z.object({
    nodeId: z.string(), ip: z.string(), tier: Tier, location: z.string().optional(),
    status: z.enum(['scheduled', 'running', 'failed', 'stopped']), specHash: z.string(), reason: z.string().optional(),
  })),
  wouldPlace: z.array(z.object({ nodeId: z.string(), ip: z.string(), tier: Tier, reason: z.string() })),
  wouldRelease: z.array(z.object({ nodeId: z.string(), reason: z.string() })),
  /** why the spec cannot run at all (no components, bad containerData, …), empty when it can */
  problems: z.array(z.string()),
  /** one line: "0 of 12,000 nodes could take another: 9,412 outside the allowed geolocation, …" */
  summary: z.string(),
});
export type PlacementExplanation = z.infer<typeof PlacementExplanation>;

export const AppPlacementQuery = z.object({ app: z.string().min(1).max(63) });
export type AppPlacementQuery = z.infer<typeof AppPlacementQuery>;

/** A Flux app spec (any version) that is not registered: judged as if it were, with no instances yet. */
export const PlacementDryRunQuery = z.object({ spec: z.record(z.string(), z.unknown()) });
export type PlacementDryRunQuery = z.infer<typeof PlacementDryRunQuery>;

/** null when the scheduler knows no app of that name. */
export const appPlacement = defineQuery(Queries.appPlacement, AppPlacementQuery, PlacementExplanation.nullable());
export const placementDryRun = defineQuery(Queries.placementDryRun, PlacementDryRunQuery, PlacementExplanation);

const Amounts = z.object({
  /** tenths of a CPU core, as the scheduler counts them */
  cpu: z.number(),
  /** MB */
  ram: z.number(),
  /** GB */
  hdd: z.number(),
});

/**
 * One node as the scheduler sees it now (`qry.scheduler.nodes`, the gateway's `GET /nodes`): tier,
 * location, liveness, and its load (what the instances placed on it hold of what apps may use there).
 */
export const NetworkNode = z.object({
  nodeId: z.string(),
  ip: z.string(),
  tier: Tier,
  /** FluxOS's `continent_country_region`, as reported with its benchmark; absent while unknown */
  location: z.string().optional(),
  /** heard from lately (no NodeWentDown since its last NodeCameBack) */
  up: z.boolean(),
  expired: z.boolean(),
  benchmarkPassed: z.boolean(),
  /** instances placed on it */
  instances: z.number().int().nonnegative(),
  used: Amounts,
  /** what apps may use on a node of its tier (capacity minus the locked share) */
  allocatable: Amounts,
});
export type NetworkNode = z.infer<typeof NetworkNode>;

export const networkNodes = defineQuery(Queries.networkNodes, NoParameters, z.array(NetworkNode));
