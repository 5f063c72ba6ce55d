import { instanceDemand, runtimeView, type Tier } from '@fluxplane/flux-spec';
import { DEFAULT_HARDWARE, componentRunsOn, add, ZERO, type AppView, type NodeUsage, type NodeView, type Placement, type Plan, type ReconcileInput } from '../src/domain';

export const hash = (c: string) => c.repeat(64).slice(0, 64);

export function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return { nodeId: id, ip: `10.0.0.${id.replace(/\D/g, '') || '1'}`, tier: 'CUMULUS', registered: true, expired: false, benchmarkPassed: true, up: true, ...over };
}

export function v4Spec(over: { instances?: number; cpu?: number; ram?: number; hdd?: number; version?: number; tiered?: Record<string, number>; containerData?: string } = {}) {
  return {
    version: over.version ?? 7,
    name: 'demo',
    description: 'd',
    owner: '1abc',
    compose: [{
      name: 'web', description: 'w', repotag: 'nginx:latest', ports: [31000], domains: [''], environmentParameters: ['A=1'], commands: [],
      containerPorts: [80], containerData: over.containerData ?? '/data', cpu: over.cpu ?? 0.5, ram: over.ram ?? 500, hdd: over.hdd ?? 5,
      ...(over.tiered ? { tiered: true, ...over.tiered } : { tiered: false }),
    }],
    instances: over.instances ?? 3,
  };
}

/** An app as the scheduler sees it; `spec` is turned into its runtime view, as the registry does. */
export function app(over: Partial<AppView> & { spec?: Record<string, unknown> } = {}): AppView {
  const { spec, ...rest } = over;
  return { name: 'demo', hash: hash('a'), runtime: runtimeView(spec ?? v4Spec()), expired: false, ...rest };
}

/** What one instance of the app holds on a node of `tier`; undefined when it cannot run there. */
export function demandOn(a: AppView, tier: Tier) {
  return componentRunsOn(a.runtime, tier).ok ? instanceDemand(a.runtime, tier) : undefined;
}

export function input(over: Partial<ReconcileInput> = {}): ReconcileInput {
  return { app: app(), placements: [], nodes: [], usage: new Map(), setbacks: [], hardware: DEFAULT_HARDWARE, ...over };
}

/**
 * Applies a plan to the input the way the projection would see it afterwards: unscheduled
 * placements disappear, scheduled ones appear (or are replaced) as fresh, newer placements.
 */
export function applyPlan(inp: ReconcileInput, plan: Plan, seqStart: number): ReconcileInput {
  const byNode = new Map<string, Placement>(inp.placements.map((p) => [p.nodeId, p]));
  for (const u of plan.unschedule) byNode.delete(u.nodeId);
  let seq = seqStart;
  for (const s of plan.schedule) byNode.set(s.nodeId, { nodeId: s.nodeId, specHash: s.specHash, scheduledSeq: ++seq, status: 'scheduled' });
  return { ...inp, placements: [...byNode.values()] };
}

/** Usage per node of an app's placements (for cluster-wide accounting in multi-app properties). */
export function usageOf(a: AppView, placements: readonly Placement[], nodes: readonly NodeView[]): Map<string, NodeUsage> {
  const tiers = new Map(nodes.map((n) => [n.nodeId, n.tier]));
  const out = new Map<string, NodeUsage>();
  for (const p of placements) {
    const tier = tiers.get(p.nodeId) as Tier;
    const d = demandOn(a, tier) ?? ZERO;
    const prev = out.get(p.nodeId) ?? { ...ZERO, instances: 0 };
    out.set(p.nodeId, { ...add(prev, d), instances: prev.instances + 1 });
  }
  return out;
}

/** The spec and its runtime view, as an AppRegistered / AppUpdated carries them. */
export function specAndView(spec: Record<string, unknown>) {
  return { spec, runtime: runtimeView(spec) };
}
