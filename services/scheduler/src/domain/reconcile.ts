import type { ComponentRun } from '@fluxplane/contracts';
import { TIERS, type Tier } from '@fluxplane/flux-spec';
import { firstProblem, healthProblem, capacity as capacityChecker, RULE_CHECKERS, RULE_LABELS, type FeasibilityContext, type UsageLookup } from './feasibility';
import { demandOf, type Hardware, type Resources } from './resources';
import { selectNodes } from './select';
import { arraySource, UsageOverlay, type NodeSource } from './candidates';
import { placementRulesOf, type PlacementRules } from './placement-rules';
import { componentRunsOn, type ComponentsResult } from './components';
import { subnet16 } from './subnet';
import { rolloutNow } from './rollout';
import { emptyPlan, type AppView, type NodeView, type Placement, type Plan } from './types';

/** A node where a spec hash of the app failed: never retried for that hash. */
export interface Setback {
  nodeId: string;
  specHash: string;
}

export interface ReconcileInput {
  /** The app's desired state; null when the app is unknown (placements without an app are removed). */
  app: AppView | null;
  /** The app's current placements. */
  placements: readonly Placement[];
  /** The cluster: a list (small clusters, tests) or an indexed source that yields a bounded sample. */
  nodes: readonly NodeView[] | NodeSource;
  /** What OTHER apps hold per node. */
  usage: UsageLookup;
  setbacks: readonly Setback[];
  hardware: Hardware;
  /** Feasible candidates ranked per decision (default `DEFAULT_CANDIDATE_LIMIT`). */
  candidateLimit?: number;
}

export function sourceOf(nodes: ReconcileInput['nodes']): NodeSource {
  return Array.isArray(nodes) ? arraySource(nodes) : (nodes as NodeSource);
}

/**
 * Diffs the app's desired instances against its live placements and returns the plan that closes
 * the gap (Nomad's reconciler):
 * - placements on nodes that are down, expired or no longer benchmarked are released and replaced at
 *   once (healing); so are failed instances, and their node is not used again for the
 *   same spec hash;
 * - a new spec hash is rolled out on the same nodes (InstanceScheduled again), one serving instance
 *   at a time (`rolloutNow`), unless it no longer fits there, in which case the instance moves;
 * - surplus instances are released newest first; missing ones are placed one decision at a time;
 * - an app with synced data keeps its instances in distinct /16s: of two in one /16 the newer is
 *   released (and placed elsewhere), and new ones never go to a /16 that already holds one;
 * - an expired or unknown app loses every placement.
 * Pure and deterministic: the same input always gives the same plan.
 */
export function reconcile(input: ReconcileInput): Plan {
  const plan = emptyPlan();
  const placements = [...input.placements].sort(bySeqThenNode);
  const app = input.app;
  if (!app || app.expired) {
    for (const p of placements) plan.unschedule.push({ nodeId: p.nodeId, reason: app ? 'app expired' : 'app unknown' });
    return plan;
  }

  const nodes = sourceOf(input.nodes);
  const rules = rulesOf(app.runtime);
  const runs = memoByTier((tier) => componentRunsOn(app.runtime, tier));
  // Asked for every candidate node by several checkers: summed once per tier (never changed after).
  const demand = memoByTier((tier: Tier): Resources | undefined => {
    const r = runs(tier);
    return r.ok ? demandOf(r.components) : undefined;
  });
  const target = app.runtime.instances;

  const excluded = new Map<string, string>();
  for (const s of input.setbacks) if (s.specHash === app.hash) excluded.set(s.nodeId, 'the current spec failed or was stopped on this node');

  // 1. Classify existing placements: keep, roll out the new spec in place, or release.
  const kept: Array<{ placement: Placement; node: NodeView; rollout: boolean }> = [];
  const released: Array<{ nodeId: string; reason: string }> = [];
  const release = (p: Placement, reason: string) => {
    released.push({ nodeId: p.nodeId, reason });
    // Not back onto a node in the same plan that took it off.
    if (!excluded.has(p.nodeId)) excluded.set(p.nodeId, `released in this plan: ${reason}`);
  };
  for (const p of placements) {
    const node = nodes.get(p.nodeId);
    const unhealthy = healthProblem(node);
    if (unhealthy || !node) { release(p, unhealthy ?? 'node unknown'); continue; }
    if (p.status === 'failed') {
      if (p.specHash === app.hash) excluded.set(p.nodeId, 'instance failed with the current spec');
      release(p, 'instance failed');
      continue;
    }
    const ruleProblem = firstProblem(node, { hosting: new Set(), excluded, demand, usage: input.usage, hardware: input.hardware, syncedData: false, subnetsInUse: new Set(), rules }, RULE_CHECKERS);
    if (ruleProblem) { release(p, `the spec's node rules exclude this node: ${ruleProblem}`); continue; }
    if (p.specHash !== app.hash) {
      const ctx: FeasibilityContext = { hosting: new Set(), excluded, demand, usage: input.usage, hardware: input.hardware, syncedData: false, subnetsInUse: new Set(), rules };
      const problem = firstProblem(node, ctx, [{ name: 'excluded', check: (n) => excluded.get(n.nodeId) ?? null }, capacityChecker]);
      if (problem) { release(p, `updated spec cannot run here: ${problem}`); continue; }
      kept.push({ placement: p, node, rollout: true });
      continue;
    }
    kept.push({ placement: p, node, rollout: false });
  }

  // 2. Synced data: one instance per /16, the oldest stays (e.g. after an update turned sync on).
  if (app.runtime.syncedData) {
    const seen = new Set<string>();
    for (let i = 0; i < kept.length; i++) {
      const net = subnet16(kept[i]!.node.ip);
      if (!seen.has(net)) { seen.add(net); continue; }
      release(kept[i]!.placement, `another instance with synced data is in the same /16 (${net})`);
      kept.splice(i--, 1);
    }
  }

  // 3. Too many: release the newest first (FluxOS removes the newest instance too).
  if (kept.length > target) {
    const newestFirst = [...kept].sort((a, b) => bySeqThenNode(b.placement, a.placement));
    const surplus = new Set(newestFirst.slice(0, kept.length - target).map((k) => k.placement.nodeId));
    for (let i = kept.length - 1; i >= 0; i--) {
      if (surplus.has(kept[i]!.placement.nodeId)) {
        release(kept[i]!.placement, `surplus instance (target ${target})`);
        kept.splice(i, 1);
      }
    }
  }
  plan.unschedule.push(...released);

  // 4. Roll the new spec out where the instance stays: one serving instance at a time (rollout.ts).
  const stale = kept.filter((x) => x.rollout);
  const now = new Set(rolloutNow(app, kept.map((k) => k.placement), stale.map((k) => k.placement)).map((p) => p.nodeId));
  // The others wait (not a shortfall, so no note): the InstanceRouted of the new one wakes this app.
  for (const k of stale.filter((x) => now.has(x.placement.nodeId))) {
    plan.schedule.push({ nodeId: k.node.nodeId, nodeIp: k.node.ip, specHash: app.hash, components: componentsOf(runs(k.node.tier)), reason: `spec updated from ${k.placement.specHash.slice(0, 12)}` });
  }

  // 5. Too few: one scheduling decision per missing instance, this app's own load accounted for.
  const missing = target - kept.length;
  if (missing > 0) {
    const usage = new UsageOverlay(input.usage);
    for (const k of kept) { const d = demand(k.node.tier); if (d) usage.add(k.node.nodeId, d); }
    const hosting = new Set(kept.map((k) => k.node.nodeId));
    const subnetsInUse = new Set(kept.map((k) => subnet16(k.node.ip)));
    const seed = app.name.toLowerCase();
    const sel = selectNodes(() => nodes.candidates(rules, seed), missing, { hosting, excluded, demand, usage, hardware: input.hardware, syncedData: app.runtime.syncedData, subnetsInUse, rules }, input.candidateLimit);
    sel.picked.forEach((node, i) => {
      const replaced = released[i];
      const reason = replaced ? `replaces instance on ${replaced.nodeId} (${replaced.reason})` : `instance ${kept.length + i + 1} of ${target}`;
      plan.schedule.push({ nodeId: node.nodeId, nodeIp: node.ip, specHash: app.hash, components: componentsOf(runs(node.tier)), reason: reason.slice(0, 200) });
    });
    if (sel.picked.length < missing) {
      const why = Object.entries(sel.rejected).map(([r, n]) => `${n} ${RULE_LABELS[r] ?? r}`).join(', ') || 'no nodes';
      plan.notes.push(`placed ${sel.picked.length} of ${missing} missing instances (target ${target}); ruled out: ${why}`);
      const anyTier = TIERS.map(runs).find((r) => !r.ok);
      if (anyTier && !anyTier.ok) plan.notes.push(anyTier.reason);
    }
  }
  return plan;
}

function componentsOf(r: ComponentsResult): ComponentRun[] {
  // Only reached for nodes the capacity checker accepted, which requires a runnable spec.
  if (!r.ok) throw new Error(`unreachable: ${r.reason}`);
  return r.components;
}

function memoByTier<T>(f: (tier: Tier) => T): (tier: Tier) => T {
  // Asked for every candidate node by several checkers: three slots of a plain object, no Map.
  const cache: Partial<Record<Tier, { value: T }>> = {};
  return (tier) => (cache[tier] ??= { value: f(tier) }).value;
}

/** A runtime view never changes once made: its node rules are read once, not at every decision. */
function rulesOf(runtime: AppView['runtime']): PlacementRules {
  let rules = rulesByRuntime.get(runtime);
  if (!rules) rulesByRuntime.set(runtime, (rules = placementRulesOf(runtime)));
  return rules;
}

const rulesByRuntime = new WeakMap<AppView['runtime'], PlacementRules>();

function bySeqThenNode(a: Placement, b: Placement): number {
  if (a.scheduledSeq !== b.scheduledSeq) return a.scheduledSeq - b.scheduledSeq;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}
