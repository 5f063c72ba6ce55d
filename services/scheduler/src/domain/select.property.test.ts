import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tier } from '@fluxplane/flux-spec';
import { arraySource, UsageOverlay } from './candidates';
import { firstFailing, type FeasibilityContext } from './feasibility';
import { rankSpread } from './rank';
import { DEFAULT_HARDWARE, type Resources } from './resources';
import { selectNodes } from './select';
import type { PlacementRules } from './placement-rules';
import { subnet16 } from './subnet';
import type { NodeUsage, NodeView } from './types';

/**
 * The definition selectNodes must keep: each instance decided from scratch, walking the candidates
 * from the start with every earlier pick accounted for, ranking the first `limit` feasible nodes.
 */
function decideEachFromScratch(candidates: () => Iterable<NodeView>, count: number, ctx: FeasibilityContext, limit: number) {
  const hosting = new Set(ctx.hosting);
  const subnetsInUse = new Set(ctx.subnetsInUse);
  const usage = new UsageOverlay(ctx.usage);
  const picked: NodeView[] = [];
  for (let i = 0; i < count; i++) {
    const round: FeasibilityContext = { ...ctx, hosting, subnetsInUse, usage };
    const rejected: Record<string, number> = {};
    const feasible: NodeView[] = [];
    for (const n of candidates()) {
      const problem = firstFailing(n, round);
      if (problem) rejected[problem.rule] = (rejected[problem.rule] ?? 0) + 1;
      else if (feasible.push(n) >= limit) break;
    }
    const best = rankSpread(feasible, usage, (n) => ctx.demand(n.tier)!, ctx.hardware)[0];
    if (!best) return { picked, rejected };
    picked.push(best.node);
    hosting.add(best.node.nodeId);
    subnetsInUse.add(subnet16(best.node.ip));
    usage.add(best.node.nodeId, ctx.demand(best.node.tier)!);
  }
  return { picked, rejected: {} };
}

const TIERS: Tier[] = ['CUMULUS', 'NIMBUS', 'STRATUS'];

const caseArb = fc.record({
  nodes: fc.array(fc.record({
    tier: fc.constantFrom(...TIERS), net: fc.integer({ min: 1, max: 5 }), up: fc.integer({ min: 0, max: 6 }).map((x) => x > 0),
    used: fc.record({ cpu: fc.integer({ min: 0, max: 80 }), ram: fc.integer({ min: 0, max: 30_000 }), hdd: fc.integer({ min: 0, max: 500 }), instances: fc.integer({ min: 0, max: 9 }) }),
    hosting: fc.integer({ min: 0, max: 8 }).map((x) => x === 0), excluded: fc.integer({ min: 0, max: 8 }).map((x) => x === 0),
    location: fc.constantFrom('EU_DE_Bavaria', 'EU_CZ_Prague', 'NA_US_Texas', 'AS_JP_Tokyo', undefined),
    staticIp: fc.boolean(), datacenter: fc.boolean(), enterprise: fc.boolean(), pinned: fc.boolean(),
  }), { maxLength: 40 }),
  rules: fc.record({
    staticIp: fc.integer({ min: 0, max: 3 }).map((x) => x === 0), datacenter: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
    enterprise: fc.integer({ min: 0, max: 3 }).map((x) => x === 0), pin: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
    allow: fc.subarray([{ continent: 'EU' }, { continent: 'NA', country: 'US' }]), deny: fc.subarray([{ continent: 'AS' }, { continent: 'EU', country: 'CZ' }]),
  }),
  count: fc.integer({ min: 1, max: 6 }), limit: fc.integer({ min: 1, max: 8 }), synced: fc.boolean(), seed: fc.string({ maxLength: 6 }),
  demand: fc.record({ cpu: fc.integer({ min: 1, max: 40 }), ram: fc.integer({ min: 100, max: 16_000 }), hdd: fc.integer({ min: 1, max: 300 }) }),
  runsOnStratusOnly: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
});

describe('selectNodes', () => {
  it('walks the candidates once, running only the checkers that apply, yet picks exactly what deciding each instance from scratch with every checker picks, and explains a shortfall the same way', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const nodes: NodeView[] = c.nodes.map((n, i) => ({
        nodeId: `n${String(i).padStart(2, '0')}`, ip: `10.${n.net}.0.${i + 1}`, tier: n.tier, registered: true, expired: false, benchmarkPassed: true, up: n.up,
        ...(n.location ? { location: n.location } : {}), staticIp: n.staticIp, datacenter: n.datacenter, enterprise: n.enterprise,
      }));
      const rules: PlacementRules = {
        pinned: new Set(c.rules.pin ? nodes.filter((_, i) => c.nodes[i]!.pinned).map((n) => n.ip) : []),
        geolocation: { allow: c.rules.allow, deny: c.rules.deny },
        staticIp: c.rules.staticIp, enterprise: c.rules.enterprise, datacenter: c.rules.datacenter,
      };
      const used = new Map<string, NodeUsage>(c.nodes.map((n, i) => [nodes[i]!.nodeId, n.used]));
      const hosting = new Set(nodes.filter((_, i) => c.nodes[i]!.hosting).map((n) => n.nodeId));
      const ctx: FeasibilityContext = {
        hosting,
        excluded: new Map(nodes.filter((_, i) => c.nodes[i]!.excluded).map((n) => [n.nodeId, 'failed here'])),
        demand: (tier): Resources | undefined => (c.runsOnStratusOnly && tier !== 'STRATUS' ? undefined : c.demand),
        usage: used,
        hardware: DEFAULT_HARDWARE,
        syncedData: c.synced,
        subnetsInUse: new Set(nodes.filter((n) => hosting.has(n.nodeId)).map((n) => subnet16(n.ip))),
        rules,
      };
      const source = arraySource(nodes);
      const candidates = () => source.candidates(rules, c.seed);
      const fast = selectNodes(candidates, c.count, ctx, c.limit);
      const reference = decideEachFromScratch(candidates, c.count, ctx, c.limit);
      expect(fast.picked.map((n) => n.nodeId)).toEqual(reference.picked.map((n) => n.nodeId));
      expect(fast.rejected).toEqual(reference.rejected);
    }), { numRuns: 500 });
  });
});
