import { firstFailing, type FeasibilityContext } from './feasibility';
import { UsageOverlay } from './candidates';
import { rankSpread } from './rank';
import { subnet16 } from './subnet';
import type { NodeView } from './types';

export interface Selection {
  picked: NodeView[];
  /** Why nodes were ruled out in the last round, counted by rule: explains a shortfall. */
  rejected: Record<string, number>;
}

/** Feasible nodes ranked per decision (Nomad's limit): enough to spread, few enough to stay cheap. */
export const DEFAULT_CANDIDATE_LIMIT = 8;

/**
 * Picks up to `count` nodes for new instances, one decision per instance: walk the candidates in
 * their order until `limit` feasible ones are found (or none are left), rank those, take the best,
 * account for it, repeat. A decision touches a bounded sample of nodes when the cluster has room;
 * it walks every candidate only when fewer than `limit` are feasible. Accounting after each pick keeps
 * later decisions honest (the picked node now hosts the app and holds its resources).
 */
export function selectNodes(candidates: () => Iterable<NodeView>, count: number, ctx: FeasibilityContext, limit = DEFAULT_CANDIDATE_LIMIT): Selection {
  const hosting = new Set(ctx.hosting);
  const subnetsInUse = new Set(ctx.subnetsInUse);
  const usage = new UsageOverlay(ctx.usage);
  const picked: NodeView[] = [];
  let rejected: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const round: FeasibilityContext = { ...ctx, hosting, subnetsInUse, usage };
    rejected = {};
    const feasible: NodeView[] = [];
    for (const n of candidates()) {
      const problem = firstFailing(n, round);
      if (problem) rejected[problem.rule] = (rejected[problem.rule] ?? 0) + 1;
      else if (feasible.push(n) >= limit) break;
    }
    const best = rankSpread(feasible, usage, (n) => ctx.demand(n.tier)!, ctx.hardware)[0];
    if (!best) break;
    picked.push(best.node);
    hosting.add(best.node.nodeId);
    subnetsInUse.add(subnet16(best.node.ip));
    usage.add(best.node.nodeId, ctx.demand(best.node.tier)!);
  }
  return { picked, rejected };
}
