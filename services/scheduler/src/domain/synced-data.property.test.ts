import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runtimeView } from '@fluxplane/flux-spec';
import { reconcile } from './reconcile';
import { allocatableFor, DEFAULT_HARDWARE, fits } from './resources';
import { healthProblem } from './feasibility';
import { subnet16 } from './subnet';
import type { AppView, NodeView } from './types';
import { applyPlan, demandOn, hash, input, v4Spec } from '../../test/fixtures';

/** Nodes spread over a few /16s, several per /16, some unhealthy. */
const nodesArb = fc.array(fc.record({
  net: fc.integer({ min: 1, max: 5 }), host: fc.integer({ min: 1, max: 250 }),
  tier: fc.constantFrom('CUMULUS' as const, 'NIMBUS' as const, 'STRATUS' as const), up: fc.integer({ min: 0, max: 5 }).map((x) => x !== 0),
}), { maxLength: 14 }).map((xs) => xs.map((x, i): NodeView => ({
  nodeId: `n${String(i).padStart(2, '0')}`, ip: `10.${x.net}.0.${x.host}`, tier: x.tier, registered: true, expired: false, benchmarkPassed: true, up: x.up,
})));
const syncedSpecArb = fc.record({
  instances: fc.integer({ min: 1, max: 8 }), mode: fc.constantFrom('s:', 'r:', 'g:'), hdd: fc.integer({ min: 1, max: 100 }),
}).map((s) => v4Spec({ instances: s.instances, hdd: s.hdd, containerData: `${s.mode}/data` }));

describe('synced data placement properties', () => {
  it('never puts two instances in one /16, and fills every /16 that has a feasible node up to the target', () => {
    fc.assert(fc.property(nodesArb, syncedSpecArb, (nodes, spec) => {
      const app: AppView = { name: 'demo', hash: hash('a'), runtime: runtimeView(spec), expired: false };
      expect(app.runtime.syncedData).toBe(true);
      const plan = reconcile(input({ app, nodes }));
      const ips = new Map(nodes.map((n) => [n.nodeId, n.ip]));
      const nets = plan.schedule.map((s) => subnet16(ips.get(s.nodeId)!));
      expect(new Set(nets).size).toBe(nets.length);
      const feasibleNets = new Set(nodes.filter((n) => !healthProblem(n) && fits(demandOn(app, n.tier)!, allocatableFor(DEFAULT_HARDWARE, n.tier))).map((n) => subnet16(n.ip)));
      expect(nets.length).toBe(Math.min(app.runtime.instances, feasibleNets.size));
    }), { numRuns: 300 });
  });

  it('keeps the rule while nodes go down and come back, and each plan is a fixed point', () => {
    fc.assert(fc.property(nodesArb, syncedSpecArb, fc.array(fc.record({ node: fc.nat(20), up: fc.boolean() }), { maxLength: 10 }), (initial, spec, steps) => {
      let nodes = initial;
      const app: AppView = { name: 'demo', hash: hash('a'), runtime: runtimeView(spec), expired: false };
      let inp = input({ app, nodes });
      let seq = 0;
      const round = () => {
        inp = applyPlan({ ...inp, nodes }, reconcile({ ...inp, nodes }), (seq += 100));
        const ips = new Map(nodes.map((n) => [n.nodeId, n.ip]));
        const nets = inp.placements.map((p) => subnet16(ips.get(p.nodeId)!));
        expect(new Set(nets).size).toBe(nets.length);
        const again = reconcile(inp);
        expect(again.schedule).toEqual([]);
        expect(again.unschedule).toEqual([]);
      };
      round();
      for (const s of steps) {
        const n = nodes[s.node % Math.max(1, nodes.length)];
        if (!n) continue;
        nodes = nodes.map((x) => (x === n ? { ...x, up: s.up } : x));
        round();
      }
    }), { numRuns: 200 });
  });
});
