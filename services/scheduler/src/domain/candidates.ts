import { TIERS, type Tier } from '@fluxplane/flux-spec';
import { add, ZERO, type Resources } from './resources';
import type { UsageLookup } from './feasibility';
import type { PlacementRules } from './placement-rules';
import type { NodeUsage, NodeView } from './types';

/**
 * Where the reconciler finds nodes: one by id, every node (for the explanation), and the candidates
 * for an app — the nodes that can pass its rules, smallest tier first, each tier entered at a point
 * that depends on the app, so that apps spread over the cluster while every decision stays
 * deterministic. A source may yield nodes that fail the rules (the checkers judge); it must never
 * leave out one that passes them.
 */
export interface NodeSource {
  get(nodeId: string): NodeView | undefined;
  all(): Iterable<NodeView>;
  candidates(rules: PlacementRules, seed: string): Iterable<NodeView>;
  readonly size: number;
}

export const TIER_ORDER: Readonly<Record<Tier, number>> = { CUMULUS: 0, NIMBUS: 1, STRATUS: 2 };

/** FNV-1a: a cheap, stable hash of an app's key, for where its scan starts. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Yields a list once, starting at `seed mod length` and wrapping around. */
export function* rotated<T>(list: readonly T[], seed: number): Iterable<T> {
  const n = list.length;
  if (n === 0) return;
  const start = seed % n;
  for (let i = 0; i < n; i++) yield list[(start + i) % n]!;
}

/** A plain list of nodes as a source (tests, small clusters): every node is a candidate. */
export function arraySource(nodes: readonly NodeView[]): NodeSource {
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const byTier = TIERS.map((t) => [...byId.values()].filter((n) => n.tier === t).sort(byNodeId));
  return {
    get: (id) => byId.get(id),
    all: () => byId.values(),
    size: byId.size,
    *candidates(_rules, seed) {
      const s = seedOf(seed);
      for (const list of byTier) yield* rotated(list, s);
    },
  };
}

export function byNodeId(a: NodeView, b: NodeView): number {
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/** A usage table with this plan's own additions on top of a base it never copies. */
export class UsageOverlay implements UsageLookup {
  private readonly own = new Map<string, NodeUsage>();
  constructor(private readonly base: UsageLookup) {}

  /** The last node asked for (the checkers ask for one node's cpu, ram and disk in a row), as two fields: no object per lookup. */
  private lastId?: string;
  private lastUsage?: NodeUsage;

  get(nodeId: string): NodeUsage | undefined {
    if (this.lastId === nodeId) return this.lastUsage;
    const usage = this.own.get(nodeId) ?? this.base.get(nodeId);
    this.lastId = nodeId;
    this.lastUsage = usage;
    return usage;
  }

  /** One more instance holding `r` on the node. */
  add(nodeId: string, r: Resources): void {
    const prev = this.get(nodeId) ?? { ...ZERO, instances: 0 };
    this.own.set(nodeId, { ...add(prev, r), instances: prev.instances + 1 });
    this.lastId = undefined;
  }
}
