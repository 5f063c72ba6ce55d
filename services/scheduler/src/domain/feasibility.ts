import type { Tier } from '@fluxplane/contracts';
import { allocatableFor, fits, sub, ZERO, type Hardware, type Resources } from './resources';
import type { NodeUsage, NodeView } from './types';

/** What the checkers need to know about the instance being placed and the cluster around it. */
export interface FeasibilityContext {
  /** Nodes already holding an instance of this app: instances go to distinct nodes. */
  hosting: ReadonlySet<string>;
  /** Nodes ruled out for this app, with why (the current spec failed there; released in this plan). */
  excluded: ReadonlyMap<string, string>;
  /** Resources one instance needs on a node of a tier; undefined when the spec cannot run there. */
  demand: (tier: Tier) => Resources | undefined;
  /** What other apps (and earlier picks of this plan) hold per node. */
  usage: ReadonlyMap<string, NodeUsage>;
  hardware: Hardware;
}

/** One reason a node cannot take the instance, or null when this checker has no objection. */
export interface FeasibilityChecker {
  readonly name: string;
  check(node: NodeView, ctx: FeasibilityContext): string | null;
}

/* Node health: the same checks decide whether an existing placement has to move. */

export const registered: FeasibilityChecker = { name: 'registered', check: (n) => (n.registered ? null : 'node not registered') };
export const notExpired: FeasibilityChecker = { name: 'not-expired', check: (n) => (n.expired ? 'node expired' : null) };
export const benchmarked: FeasibilityChecker = { name: 'benchmarked', check: (n) => (n.benchmarkPassed ? null : 'node not benchmarked or failed its benchmark') };
export const up: FeasibilityChecker = { name: 'up', check: (n) => (n.up ? null : 'node down') };

export const HEALTH_CHECKERS: readonly FeasibilityChecker[] = [registered, notExpired, benchmarked, up];

/* Placement-specific checks. */

export const distinctNode: FeasibilityChecker = {
  name: 'distinct-node',
  check: (n, ctx) => (ctx.hosting.has(n.nodeId) ? 'already hosts the app' : null),
};

export const notExcluded: FeasibilityChecker = {
  name: 'not-excluded',
  check: (n, ctx) => ctx.excluded.get(n.nodeId) ?? null,
};

export const capacity: FeasibilityChecker = {
  name: 'capacity',
  check: (n, ctx) => {
    const demand = ctx.demand(n.tier);
    if (!demand) return `spec cannot run on ${n.tier}`;
    return fits(demand, freeOn(n, ctx)) ? null : 'not enough free resources';
  },
};

export const PLACEMENT_CHECKERS: readonly FeasibilityChecker[] = [...HEALTH_CHECKERS, distinctNode, notExcluded, capacity];

/** Free resources on a node after what other apps (and this plan's picks) hold there. */
export function freeOn(node: NodeView, ctx: Pick<FeasibilityContext, 'usage' | 'hardware'>): Resources {
  return sub(allocatableFor(ctx.hardware, node.tier), ctx.usage.get(node.nodeId) ?? ZERO);
}

/** The first objection of the checkers, or null when the node is feasible. */
export function firstProblem(node: NodeView, ctx: FeasibilityContext, checkers: readonly FeasibilityChecker[] = PLACEMENT_CHECKERS): string | null {
  for (const c of checkers) {
    const problem = c.check(node, ctx);
    if (problem) return problem;
  }
  return null;
}

/** Why an existing placement's node can no longer host anything (down, expired, …), or null. */
export function healthProblem(node: NodeView | undefined): string | null {
  if (!node) return 'node unknown';
  for (const c of HEALTH_CHECKERS) {
    const problem = c.check(node, undefined as never);
    if (problem) return problem;
  }
  return null;
}
