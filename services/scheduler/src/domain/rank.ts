import type { Hardware, Resources } from './resources';
import { TIER_ORDER } from './candidates';
import type { UsageLookup } from './feasibility';
import type { NodeView } from './types';

export interface RankedNode {
  node: NodeView;
  /** Instances of all apps on the node: fewer first (spread). */
  instances: number;
  /** Share of the node left free after placing, averaged over cpu/ram/hdd, 0..1: more first. */
  freeShare: number;
}

/**
 * The ranker: FluxOS's preference for the smallest tier that fits (its spawn deferrals steer apps away
 * from bigger nodes), then spread instances over as many nodes as possible (fewest instances
 * first), then the emptiest node relative to its size, then the node id so the choice is
 * deterministic and every replay of the same state picks the same node.
 */
export function rankSpread(nodes: readonly NodeView[], usage: UsageLookup, demandFor: (n: NodeView) => Resources, hw: Hardware): RankedNode[] {
  return nodes.map((node) => rankOf(node, usage, demandFor(node), hw)).sort(compareRanked);
}

/** A node's rank keys if it took one instance holding `demand`. */
export function rankOf(node: NodeView, usage: UsageLookup, demand: Resources, hw: Hardware): RankedNode {
  // allocatableFor and sub inlined: no intermediate objects for every feasible candidate.
  const cap = hw.capacity[node.tier];
  const locked = hw.locked;
  const used = usage.get(node.nodeId);
  const left = (r: 'cpu' | 'ram' | 'hdd') => share(cap[r] - locked[r] - (used?.[r] ?? 0) - demand[r], cap[r] - locked[r]);
  return { node, instances: used?.instances ?? 0, freeShare: (left('cpu') + left('ram') + left('hdd')) / 3 };
}

export function compareRanked(a: RankedNode, b: RankedNode): number {
  const t = TIER_ORDER[a.node.tier] - TIER_ORDER[b.node.tier];
  if (t !== 0) return t;
  if (a.instances !== b.instances) return a.instances - b.instances;
  if (a.freeShare !== b.freeShare) return b.freeShare - a.freeShare;
  return a.node.nodeId < b.node.nodeId ? -1 : a.node.nodeId > b.node.nodeId ? 1 : 0;
}

function share(left: number, cap: number): number {
  return cap > 0 ? Math.max(0, left) / cap : 0;
}
