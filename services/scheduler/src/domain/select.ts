import { checkersFor, firstFailing, type FeasibilityContext } from './feasibility';
import { UsageOverlay } from './candidates';
import { compareRanked, rankOf, type RankedNode } from './rank';
import { subnet16 } from './subnet';
import type { NodeView } from './types';

export interface Selection {
  picked: NodeView[];
  /**
   * When fewer nodes were picked than asked for: why every node was ruled out in the round that
   * found none, counted by rule (explains the shortfall). Empty when every instance was placed.
   */
  rejected: Record<string, number>;
}

/** Feasible nodes ranked per decision (Nomad's limit): enough to spread, few enough to stay cheap. */
export const DEFAULT_CANDIDATE_LIMIT = 8;

/**
 * Picks up to `count` nodes for new instances, one decision per instance: of the candidates in their
 * order, the first `limit` feasible ones are ranked and the best is taken, accounted for, and the
 * next decision made. A decision touches a bounded sample of nodes when the cluster has room; it
 * walks every candidate only when fewer than `limit` are feasible.
 *
 * The candidates are walked once for all the decisions, not once per decision: a pick changes what
 * the next decision may use only on the picked node (it now hosts the app and holds its resources)
 * and, for synced data, in the picked node's /16. So a node feasible for a later decision is one
 * feasible for the first, not picked, and (synced data) not in a picked /16; and its rank (tier,
 * instances, free share) is unchanged by picks elsewhere. The choices are exactly those of deciding
 * each instance from scratch (a property test holds the two together).
 */
export function selectNodes(candidates: () => Iterable<NodeView>, count: number, ctx: FeasibilityContext, limit = DEFAULT_CANDIDATE_LIMIT): Selection {
  const usage = new UsageOverlay(ctx.usage);
  const first: FeasibilityContext = { ...ctx, usage };
  const checkers = checkersFor(first);
  const walk = candidates()[Symbol.iterator]();
  let exhausted = false;
  /** Nodes feasible for the first decision, in walk order, ranked; extended as decisions need more. */
  const feasible: RankedNode[] = [];
  const nextFeasible = (): boolean => {
    for (;;) {
      const step = walk.next();
      if (step.done) return false;
      if (!firstFailing(step.value, first, checkers)) {
        feasible.push(rankOf(step.value, usage, ctx.demand(step.value.tier)!, ctx.hardware));
        return true;
      }
    }
  };
  const picked: NodeView[] = [];
  const pickedIds = new Set<string>();
  const pickedNets = ctx.syncedData ? new Set<string>() : undefined;
  for (let i = 0; i < count; i++) {
    let best: RankedNode | undefined;
    let found = 0;
    for (let j = 0; found < limit; j++) {
      if (j === feasible.length) {
        if (exhausted) break;
        if (!nextFeasible()) {
          exhausted = true;
          break;
        }
      }
      const c = feasible[j]!;
      if (pickedIds.has(c.node.nodeId) || pickedNets?.has(subnet16(c.node.ip))) continue;
      found++;
      if (!best || compareRanked(c, best) < 0) best = c;
    }
    if (!best) return { picked, rejected: ruledOut(candidates, ctx, picked) };
    picked.push(best.node);
    pickedIds.add(best.node.nodeId);
    pickedNets?.add(subnet16(best.node.ip));
  }
  return { picked, rejected: {} };
}

/**
 * Why each candidate cannot take one more instance after `picked`: the full judgement of every
 * node by the first rule that objects, for the explanation of a shortfall (a rare path: every node
 * is walked).
 */
function ruledOut(candidates: () => Iterable<NodeView>, ctx: FeasibilityContext, picked: readonly NodeView[]): Record<string, number> {
  const hosting = new Set(ctx.hosting);
  const subnetsInUse = new Set(ctx.subnetsInUse);
  const usage = new UsageOverlay(ctx.usage);
  for (const n of picked) {
    hosting.add(n.nodeId);
    subnetsInUse.add(subnet16(n.ip));
    usage.add(n.nodeId, ctx.demand(n.tier)!);
  }
  const round: FeasibilityContext = { ...ctx, hosting, subnetsInUse, usage };
  const rejected: Record<string, number> = {};
  for (const n of candidates()) {
    const problem = firstFailing(n, round);
    if (problem) rejected[problem.rule] = (rejected[problem.rule] ?? 0) + 1;
  }
  return rejected;
}
