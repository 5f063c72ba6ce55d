import type { ComponentRun, Tier } from '@fluxplane/contracts';
import type { AppRuntime } from '@fluxplane/flux-spec';
import type { Resources } from './resources';

/** A node as the scheduler needs to see it; built from NodeRegistered/Expired/Benchmarked/WentDown/CameBack. */
export interface NodeView {
  nodeId: string;
  ip: string;
  tier: Tier;
  /** NodeRegistered was seen (a benchmark can in principle arrive first). */
  registered: boolean;
  expired: boolean;
  /** The latest benchmark passed; false while never benchmarked. */
  benchmarkPassed: boolean;
  up: boolean;
  /**
   * Where the node is, FluxOS's `continent_country_region` (e.g. `EU_CZ_Prague`), as the node reported
   * it with its benchmark; undefined while unknown (an app with an allow list never goes there).
   */
  location?: string;
  /** The node has a static IP (FluxOS's geolocation service decides; reported with the benchmark). */
  staticIp?: boolean;
  /** The node is in a datacenter (hosting provider). */
  datacenter?: boolean;
  /** The node can run enterprise apps (ArcaneOS: it holds the key to decrypt them). */
  enterprise?: boolean;
}

/** The desired state of one app, from AppRegistered/AppUpdated/AppExpired. */
export interface AppView {
  /** Name as registered (case kept); subjects and keys use it lowercased. */
  name: string;
  hash: string;
  /** What the registered spec means at run time (libs/flux-spec); the raw spec is never read here. */
  runtime: AppRuntime;
  expired: boolean;
}

/**
 * What the node agent reported for the current placement. Only reports newer than the placement's
 * InstanceScheduled count, so an old failure cannot condemn a fresh placement on the same node.
 */
export type InstanceStatus = 'scheduled' | 'running' | 'failed' | 'stopped';

/** One instance of the app placed on a node (an InstanceScheduled not yet unscheduled). */
export interface Placement {
  nodeId: string;
  specHash: string;
  /** Stream sequence of its InstanceScheduled: orders placements, newest = highest. */
  scheduledSeq: number;
  status: InstanceStatus;
  /** HAProxy serves it with its spec (InstanceRouted newer than its InstanceScheduled, not drained since). */
  routed?: boolean;
}

/** Resources other apps hold on a node, and how many instances they run there. */
export interface NodeUsage extends Resources {
  instances: number;
}

export interface ScheduleStep {
  nodeId: string;
  nodeIp: string;
  specHash: string;
  components: ComponentRun[];
  reason: string;
}

export interface UnscheduleStep {
  nodeId: string;
  reason: string;
}

/** The reconciler's output. Unschedules are applied before schedules. `notes` explain shortfalls. */
export interface Plan {
  unschedule: UnscheduleStep[];
  schedule: ScheduleStep[];
  notes: string[];
}

export const emptyPlan = (): Plan => ({ unschedule: [], schedule: [], notes: [] });

export function isEmptyPlan(plan: Plan): boolean {
  return plan.unschedule.length === 0 && plan.schedule.length === 0;
}
