import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runtimeView, type Tier } from '@fluxplane/flux-spec';
import { reconcile, type Setback } from './reconcile';
import { allocatableFor, DEFAULT_HARDWARE, fits, add, ZERO } from './resources';
import { healthProblem } from './feasibility';
import { isEmptyPlan, type AppView, type NodeUsage, type NodeView, type Placement } from './types';
import { applyPlan, demandOn, hash, input, usageOf, v4Spec } from '../../test/fixtures';

const tierArb = fc.constantFrom<Tier>('CUMULUS', 'NIMBUS', 'STRATUS');
const nodeArb = (id: string) => fc.record({
  nodeId: fc.constant(id), ip: fc.constant(`10.0.1.${id.slice(1)}`), tier: tierArb,
  registered: fc.integer({ min: 0, max: 19 }).map((x) => x !== 0), expired: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  benchmarkPassed: fc.integer({ min: 0, max: 9 }).map((x) => x !== 0), up: fc.integer({ min: 0, max: 5 }).map((x) => x !== 0),
});
const nodesArb = fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(`n${String(i).padStart(2, '0')}`))));
const specArb = fc.record({
  version: fc.constantFrom(3, 7, 8), instances: fc.integer({ min: 1, max: 8 }),
  cpu: fc.integer({ min: 1, max: 40 }).map((t) => t / 10), ram: fc.integer({ min: 1, max: 60 }).map((x) => x * 100), hdd: fc.integer({ min: 1, max: 300 }),
  tiered: fc.option(fc.record({ cpubasic: fc.constant(0.2), cpusuper: fc.constant(2), cpubamf: fc.constant(6), rambasic: fc.constant(200), ramsuper: fc.constant(8000), rambamf: fc.constant(20000), hddbasic: fc.constant(5), hddsuper: fc.constant(50), hddbamf: fc.constant(500) }), { nil: undefined }),
}).map((s) => v4Spec(s));


function sumUsage(maps: Array<Map<string, NodeUsage>>): Map<string, NodeUsage> {
  const out = new Map<string, NodeUsage>();
  for (const m of maps) for (const [k, v] of m) {
    const prev = out.get(k) ?? { ...ZERO, instances: 0 };
    out.set(k, { ...add(prev, v), instances: prev.instances + v.instances });
  }
  return out;
}

describe('reconcile properties', () => {
  it('on an empty cluster reaches the target whenever enough feasible nodes exist, on distinct nodes', () => {
    fc.assert(fc.property(nodesArb, specArb, (nodes, spec) => {
      const app: AppView = { name: 'demo', hash: hash('a'), runtime: runtimeView(spec), expired: false };
      const plan = reconcile(input({ app, nodes }));
      const ids = plan.schedule.map((s) => s.nodeId);
      expect(new Set(ids).size).toBe(ids.length);
      const feasible = nodes.filter((n) => !healthProblem(n) && fits(demandOn(app, n.tier)!, allocatableFor(DEFAULT_HARDWARE, n.tier))).length;
      expect(ids.length).toBe(Math.min(app.runtime.instances, feasible));
    }), { numRuns: 300 });
  });

  it('a simulated network never doubles an app on a node, never overfills a node, and every plan is a fixed point', () => {
    type Step =
      | { kind: 'down' | 'up' | 'expireNode' | 'unbench'; node: number }
      | { kind: 'fail' | 'stop'; app: number; pick: number }
      | { kind: 'update'; app: number; spec: Record<string, unknown> }
      | { kind: 'expireApp'; app: number };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constantFrom('down' as const, 'up' as const, 'expireNode' as const, 'unbench' as const), node: fc.nat(20) }),
      fc.record({ kind: fc.constantFrom('fail' as const, 'stop' as const), app: fc.nat(5), pick: fc.nat(10) }),
      fc.record({ kind: fc.constant('update' as const), app: fc.nat(5), spec: specArb }),
      fc.record({ kind: fc.constant('expireApp' as const), app: fc.nat(5) }),
    );
    fc.assert(fc.property(nodesArb, fc.array(specArb, { minLength: 1, maxLength: 4 }), fc.array(stepArb, { maxLength: 12 }), (initialNodes, specs, steps) => {
      let nodes: NodeView[] = initialNodes.map((n) => ({ ...n }));
      let seq = 0;
      let version = 0;
      const apps = specs.map((spec, i) => ({ view: { name: `app${i}`, hash: hash('a'), runtime: runtimeView(spec), expired: false } as AppView, placements: [] as readonly Placement[], setbacks: [] as Setback[] }));

      const round = () => {
        for (const a of apps) {
          const others = sumUsage(apps.filter((o) => o !== a).map((o) => usageOf(o.view, o.placements, nodes)));
          const inp = input({ app: a.view, placements: a.placements, nodes, usage: others, setbacks: a.setbacks });
          const plan = reconcile(inp);
          const after = applyPlan(inp, plan, (seq += 100));
          a.placements = after.placements;
          // Distinct nodes.
          const ids = a.placements.map((p) => p.nodeId);
          expect(new Set(ids).size).toBe(ids.length);
          // Fixed point.
          expect(isEmptyPlan(reconcile(after))).toBe(true);
          // Target reached, or no node left that could take another instance.
          if (!a.view.expired && a.placements.length < a.view.runtime.instances) {
            const hosting = new Set(ids);
            for (const n of nodes) {
              if (hosting.has(n.nodeId) || healthProblem(n)) continue;
              if (a.setbacks.some((s) => s.nodeId === n.nodeId && s.specHash === a.view.hash)) continue;
              const d = demandOn(a.view, n.tier);
              const used = sumUsage(apps.map((o) => usageOf(o.view, o.placements, nodes))).get(n.nodeId) ?? ZERO;
              expect(d === undefined || !fits(add(used, d), allocatableFor(DEFAULT_HARDWARE, n.tier))).toBe(true);
            }
          }
          if (a.view.expired) expect(a.placements).toEqual([]);
        }
        // Capacity: nothing placed by the scheduler overfills a node.
        const total = sumUsage(apps.map((o) => usageOf(o.view, o.placements, nodes)));
        for (const n of nodes) {
          const used = total.get(n.nodeId);
          if (used) expect(fits(used, allocatableFor(DEFAULT_HARDWARE, n.tier))).toBe(true);
        }
      };

      round();
      for (const step of steps) {
        if ('node' in step) {
          const n = nodes[step.node % Math.max(1, nodes.length)];
          if (!n) continue;
          const patch = step.kind === 'down' ? { up: false } : step.kind === 'up' ? { up: true } : step.kind === 'expireNode' ? { expired: true } : { benchmarkPassed: false };
          nodes = nodes.map((x) => (x === n ? { ...x, ...patch } : x));
        } else {
          const a = apps[step.app % apps.length]!;
          if (step.kind === 'update') a.view = { ...a.view, hash: hash(((++version) % 16).toString(16)), runtime: runtimeView(step.spec) };
          else if (step.kind === 'expireApp') a.view = { ...a.view, expired: true };
          else {
            const p = a.placements[step.pick % Math.max(1, a.placements.length)];
            if (!p) continue;
            // The agent's report is newer than the placement; a failure is a setback, a stop is not.
            a.placements = a.placements.map((x) => (x === p ? { ...x, status: step.kind === 'fail' ? 'failed' : 'stopped' } : x));
            if (step.kind === 'fail') a.setbacks.push({ nodeId: p.nodeId, specHash: p.specHash });
          }
        }
        round();
      }
    }), { numRuns: 300 });
  });
});
