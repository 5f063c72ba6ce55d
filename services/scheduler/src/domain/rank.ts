import { allocatableFor, sub, type Hardware, type Resources } from './resources';
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
  return nodes
    .map((node) => {
      const cap = allocatableFor(hw, node.tier);
      const used = usage.get(node.nodeId);
      const left = sub(sub(cap, used ?? { cpu: 0, ram: 0, hdd: 0 }), demandFor(node));
      return { node, instances: used?.instances ?? 0, freeShare: (share(left.cpu, cap.cpu) + share(left.ram, cap.ram) + share(left.hdd, cap.hdd)) / 3 };
    })
    .sort(compareRanked);
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
