import type { Tier } from '@fluxplane/flux-spec';
import { firstFailing, RULE_LABELS, PLACEMENT_CHECKERS, type FeasibilityContext } from './feasibility';
import { demandOf, type Resources } from './resources';
import { componentRunsOn } from './components';
import { placementRulesOf } from './placement-rules';
import { reconcile, sourceOf, type ReconcileInput } from './reconcile';
import { subnet16 } from './subnet';
import type { InstanceStatus } from './types';

export interface RuleCount {
  /** The checker's key (`geolocation`, `ram`, …). */
  rule: string;
  /** How the explanation names the nodes it ruled out ("outside the allowed geolocation"). */
  label: string;
  nodes: number;
}

export interface InstanceWhy {
  nodeId: string;
  ip: string;
  tier: Tier;
  location?: string;
  status: InstanceStatus;
  specHash: string;
  /** Why the scheduler put it there (the reason its InstanceScheduled carries), when known. */
  reason?: string;
}

export interface PlacementExplanation {
  app: string;
  target: number;
  placed: number;
  /** Every node the scheduler knows: `eligible` + the sum of `ruledOut` equals it. */
  totalNodes: number;
  /** Nodes that could take one more instance now. */
  eligible: number;
  /** Per rule, the nodes it ruled out (each node counted once, for the first rule it fails), most first. */
  ruledOut: RuleCount[];
  instances: InstanceWhy[];
  /** What the scheduler would do now: instances it would place (node and reason), releases. */
  wouldPlace: Array<{ nodeId: string; ip: string; tier: Tier; reason: string }>;
  wouldRelease: Array<{ nodeId: string; reason: string }>;
  /** Why the spec cannot run at all, when it cannot. */
  problems: string[];
  summary: string;
}

/**
 * Why an app is (not) placed: every node judged against every rule for one more instance of the app,
 * the first rule it fails counted, next to where each instance runs and why, and what the reconciler
 * would decide now. For a spec not registered yet (a dry run) pass no placements. Pure.
 */
export function explainPlacement(input: ReconcileInput & { reasons?: ReadonlyMap<string, string> }): PlacementExplanation {
  const app = input.app;
  if (!app) throw new Error('explainPlacement needs an app');
  const nodes = sourceOf(input.nodes);
  const demandByTier = new Map<Tier, Resources | undefined>();
  const demand = (tier: Tier): Resources | undefined => {
    if (!demandByTier.has(tier)) {
      const r = componentRunsOn(app.runtime, tier);
      demandByTier.set(tier, r.ok ? demandOf(r.components) : undefined);
    }
    return demandByTier.get(tier);
  };
  const excluded = new Map<string, string>();
  for (const s of input.setbacks) if (s.specHash === app.hash) excluded.set(s.nodeId, 'the current spec failed or was stopped on this node');
  const hosting = new Set(input.placements.map((p) => p.nodeId));
  const subnetsInUse = new Set(input.placements.map((p) => nodes.get(p.nodeId)?.ip).filter((ip): ip is string => !!ip).map(subnet16));
  const ctx: FeasibilityContext = {
    hosting, excluded, demand, usage: input.usage, hardware: input.hardware, syncedData: app.runtime.syncedData, subnetsInUse, rules: placementRulesOf(app.runtime),
  };
  const counts = new Map<string, number>();
  let total = 0;
  let eligible = 0;
  for (const n of nodes.all()) {
    total++;
    const fail = firstFailing(n, ctx, PLACEMENT_CHECKERS);
    if (fail) counts.set(fail.rule, (counts.get(fail.rule) ?? 0) + 1);
    else eligible++;
  }
  const order = PLACEMENT_CHECKERS.map((c) => c.name);
  const ruledOut = [...counts.entries()]
    .map(([rule, count]) => ({ rule, label: RULE_LABELS[rule] ?? rule, nodes: count }))
    .sort((a, b) => b.nodes - a.nodes || order.indexOf(a.rule) - order.indexOf(b.rule));
  const instances: InstanceWhy[] = input.placements.map((p) => {
    const n = nodes.get(p.nodeId);
    return {
      nodeId: p.nodeId, ip: n?.ip ?? '', tier: n?.tier ?? 'CUMULUS', ...(n?.location ? { location: n.location } : {}),
      status: p.status, specHash: p.specHash, ...(input.reasons?.get(p.nodeId) ? { reason: input.reasons.get(p.nodeId) } : {}),
    };
  });
  const plan = reconcile(input);
  const wouldPlace = plan.schedule.map((s) => ({ nodeId: s.nodeId, ip: s.nodeIp, tier: nodes.get(s.nodeId)?.tier ?? 'CUMULUS', reason: s.reason }));
  const problems = app.runtime.problems.length > 0 ? [...app.runtime.problems] : plan.notes.filter((n) => !n.startsWith('placed '));
  const fmt = (x: number) => x.toLocaleString('en-US');
  const why = ruledOut.map((r) => `${fmt(r.nodes)} ${r.label}`).join(', ');
  const summary = `${app.name}: ${input.placements.length} of ${app.runtime.instances} instances placed; `
    + `${fmt(eligible)} of ${fmt(total)} nodes could take another${why ? `: ${why}` : ''}`;
  return {
    app: app.name, target: app.runtime.instances, placed: input.placements.length, totalNodes: total, eligible, ruledOut, instances,
    wouldPlace, wouldRelease: plan.unschedule.map((u) => ({ nodeId: u.nodeId, reason: u.reason })), problems, summary,
  };
}
