import { firstProblem, type FeasibilityContext } from './feasibility';
import { rankSpread } from './rank';
import { add, ZERO } from './resources';
import type { NodeUsage, NodeView } from './types';

export interface Selection {
  picked: NodeView[];
  /** Why nodes were ruled out in the last round, counted by reason: explains a shortfall. */
  rejected: Record<string, number>;
}

/**
 * Picks up to `count` nodes for new instances, one decision per instance: filter the feasible nodes,
 * rank them, take the best, account for it, repeat. Accounting after each pick keeps later decisions
 * honest (the picked node now hosts the app and holds its resources).
 */
export function selectNodes(nodes: readonly NodeView[], count: number, ctx: FeasibilityContext): Selection {
  const hosting = new Set(ctx.hosting);
  const usage = new Map<string, NodeUsage>(ctx.usage);
  const picked: NodeView[] = [];
  let rejected: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const round: FeasibilityContext = { ...ctx, hosting, usage };
    rejected = {};
    const feasible = nodes.filter((n) => {
      const problem = firstProblem(n, round);
      if (problem) rejected[problem] = (rejected[problem] ?? 0) + 1;
      return problem === null;
    });
    const best = rankSpread(feasible, usage, (n) => ctx.demand(n.tier)!, ctx.hardware)[0];
    if (!best) break;
    picked.push(best.node);
    hosting.add(best.node.nodeId);
    const prev = usage.get(best.node.nodeId) ?? { ...ZERO, instances: 0 };
    usage.set(best.node.nodeId, { ...add(prev, ctx.demand(best.node.tier)!), instances: prev.instances + 1 });
  }
  return { picked, rejected };
}
