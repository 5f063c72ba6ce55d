import { LOCKED_RESOURCES, TIER_CAPACITY, TIERS, type Resources, type Tier } from '@fluxplane/flux-spec';
import type { NetworkFigures, TierResources } from '@fluxplane/contracts';

/** An instance's last known state (see NetworkFigures.instances). */
export type InstanceState = 'scheduled' | 'running' | 'failed' | 'stopped';
export const INSTANCE_STATES: readonly InstanceState[] = ['scheduled', 'running', 'failed', 'stopped'];

/** One confirmed (not expired) node, as the network projection holds it. */
export interface NodeRow {
  nodeId: string;
  tier: Tier;
  up: boolean;
  /** the tier it qualified for, `failed`, or `pending` */
  benchStatus: string;
  fluxVersion: string | null;
  country: string | null;
}

/** One instance: where, its state, and what its placement claims (cpu in tenths of a core). */
export interface InstanceRow {
  nodeId: string;
  state: InstanceState;
  /** placed by the scheduler (an instance a node reports without a placement claims nothing) */
  placed: boolean;
  demand: Resources;
}

export interface NetworkState {
  nodes: NodeRow[];
  activeApps: number;
  instances: InstanceRow[];
}

/** What apps may use on one node of a tier (FluxOS: the tier's capacity minus what it locks for itself). */
export function allocatable(tier: Tier): Resources {
  const c = TIER_CAPACITY[tier];
  return { cpu: c.cpu - LOCKED_RESOURCES.cpu, ram: c.ram - LOCKED_RESOURCES.ram, hdd: c.hdd - LOCKED_RESOURCES.hdd };
}

const UNKNOWN = 'unknown';

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * The network's figures from its projected state. Pure: the sampler reads the state, this counts.
 * Resources are the protocol's tier capacities (libs/flux-spec), as FluxOS nodes declare them:
 * `used` sums the demand of placements on the tier's nodes, `free` what each up node has left
 * (never below zero, so one over-committed node does not hide another's room).
 */
export function figuresOf(state: NetworkState): NetworkFigures {
  const byTier = { CUMULUS: 0, NIMBUS: 0, STRATUS: 0 };
  const upByTier = { CUMULUS: 0, NIMBUS: 0, STRATUS: 0 };
  const byBenchmark: Record<string, number> = {};
  const byVersion: Record<string, number> = {};
  const byCountry: Record<string, number> = {};
  let up = 0;
  const nodes = new Map<string, NodeRow>();
  for (const n of state.nodes) {
    nodes.set(n.nodeId, n);
    byTier[n.tier]++;
    if (n.up) {
      up++;
      upByTier[n.tier]++;
    }
    bump(byBenchmark, n.benchStatus);
    bump(byVersion, n.fluxVersion ?? UNKNOWN);
    bump(byCountry, n.country ?? UNKNOWN);
  }

  const instances = { running: 0, scheduled: 0, failed: 0, stopped: 0 };
  const usedOnNode = new Map<string, Resources>();
  for (const i of state.instances) {
    instances[i.state]++;
    if (!i.placed || !nodes.has(i.nodeId)) continue;
    const u = usedOnNode.get(i.nodeId) ?? { cpu: 0, ram: 0, hdd: 0 };
    usedOnNode.set(i.nodeId, { cpu: u.cpu + i.demand.cpu, ram: u.ram + i.demand.ram, hdd: u.hdd + i.demand.hdd });
  }

  const tally = Object.fromEntries(TIERS.map((t) => [t, { used: { cpu: 0, ram: 0, hdd: 0 }, free: { cpu: 0, ram: 0, hdd: 0 } }])) as Record<Tier, { used: Resources; free: Resources }>;
  for (const n of state.nodes) {
    const t = tally[n.tier];
    const used = usedOnNode.get(n.nodeId) ?? { cpu: 0, ram: 0, hdd: 0 };
    t.used.cpu += used.cpu; t.used.ram += used.ram; t.used.hdd += used.hdd;
    if (!n.up) continue;
    const cap = allocatable(n.tier);
    t.free.cpu += Math.max(0, cap.cpu - used.cpu);
    t.free.ram += Math.max(0, cap.ram - used.ram);
    t.free.hdd += Math.max(0, cap.hdd - used.hdd);
  }
  const resourcesOf = (t: { used: Resources; free: Resources }): TierResources => ({
    // cpu is summed in tenths of a core (integers do not drift) and answered in cores
    cpu: { used: t.used.cpu / 10, free: t.free.cpu / 10 },
    ramMb: { used: t.used.ram, free: t.free.ram },
    hddGb: { used: t.used.hdd, free: t.free.hdd },
  });

  return {
    nodes: { total: state.nodes.length, up, down: state.nodes.length - up, byTier, upByTier, byBenchmark, byVersion, byCountry },
    apps: { total: state.activeApps },
    instances,
    resources: { CUMULUS: resourcesOf(tally.CUMULUS), NIMBUS: resourcesOf(tally.NIMBUS), STRATUS: resourcesOf(tally.STRATUS) },
  };
}
