import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeEvent, Subjects, type ComponentRun } from '@fluxplane/contracts';
import type { AppRuntime, Tier } from '@fluxplane/flux-spec';
import { app as appOf, hash, input, v4Spec } from '../../test/fixtures';
import { ClusterState } from './cluster-state';
import { explainPlacement } from './explain';
import { firstFailing, geoMatches, locationMatches, PLACEMENT_CHECKERS, RULE_CHECKERS } from './feasibility';
import { placementRulesOf } from './placement-rules';
import { reconcile } from './reconcile';
import { allocatableFor, DEFAULT_HARDWARE, demandOf } from './resources';
import { subnet16 } from './subnet';
import { isEmptyPlan, type AppView, type NodeView } from './types';

const LOCATIONS = ['EU_CZ_Prague', 'EU_CZ_Brno', 'EU_DE_Berlin', 'NA_US_Texas', 'NA_CA_Quebec', 'AS_JP_Tokyo', undefined] as const;
const tierArb = fc.constantFrom<Tier>('CUMULUS', 'NIMBUS', 'STRATUS');

const nodeArb = (i: number) => fc.record({
  tier: tierArb, loc: fc.constantFrom(...LOCATIONS), net: fc.integer({ min: 1, max: 4 }),
  staticIp: fc.boolean(), datacenter: fc.boolean(), enterprise: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  down: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
}).map((r): NodeView => ({
  nodeId: `n${String(i).padStart(3, '0')}`, ip: `10.${r.net}.0.${i + 1}`, tier: r.tier, registered: true, expired: false, benchmarkPassed: true, up: !r.down,
  ...(r.loc ? { location: r.loc } : {}), staticIp: r.staticIp, datacenter: r.datacenter, enterprise: r.enterprise,
}));
const clusterArb = fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))));

const geoArb = fc.record({
  allow: fc.subarray([{ continent: 'EU' }, { continent: 'EU', country: 'CZ' }, { continent: 'NA', country: 'US' }, { continent: 'EU', country: 'CZ', region: 'Prague' }], { maxLength: 2 }),
  deny: fc.subarray([{ continent: 'AS' }, { continent: 'EU', country: 'DE' }, { continent: 'EU', country: 'CZ', region: 'Brno' }], { maxLength: 2 }),
}).map((g) => ({ allow: g.allow.map((r) => ({ ...r, raw: 'x' })), deny: g.deny.map((r) => ({ ...r, raw: 'x' })) }));

const appArb = (nodes: readonly NodeView[]) => fc.record({
  instances: fc.integer({ min: 1, max: 6 }), ram: fc.integer({ min: 1, max: 40 }).map((x) => x * 250), hdd: fc.integer({ min: 1, max: 200 }),
  geolocation: geoArb, pinned: fc.subarray(nodes.map((n) => n.ip), { maxLength: Math.min(5, nodes.length) }), pin: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  staticIp: fc.integer({ min: 0, max: 3 }).map((x) => x === 0), enterprise: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  datacenter: fc.integer({ min: 0, max: 4 }).map((x) => x === 0), synced: fc.boolean(),
}).map((r): AppView => {
  const base = appOf({ spec: v4Spec({ instances: 3, ram: r.ram, hdd: r.hdd, containerData: r.synced ? 's:/data' : '/data' }) });
  const runtime: AppRuntime = {
    ...base.runtime, instances: r.instances, geolocation: r.geolocation, nodes: r.pin ? r.pinned : [], staticIp: r.staticIp, enterprise: r.enterprise, datacenter: r.datacenter,
  };
  return { ...base, runtime };
});

/** Every rule a scheduled node must satisfy, checked independently of the checkers. */
function admits(a: AppView, n: NodeView): boolean {
  const rt = a.runtime;
  if (rt.nodes.length > 0 && !rt.nodes.includes(n.ip)) return false;
  if (rt.staticIp && !n.staticIp) return false;
  if (rt.enterprise && !n.enterprise) return false;
  if (rt.datacenter && !n.datacenter) return false;
  if (n.location && rt.geolocation.deny.some((r) => geoMatches(r, n.location!))) return false;
  if (rt.geolocation.allow.length > 0 && !(n.location && rt.geolocation.allow.some((r) => geoMatches(r, n.location!)))) return false;
  return n.up && n.registered && !n.expired && n.benchmarkPassed;
}

function stateOf(nodes: readonly NodeView[]): ClusterState {
  const s = new ClusterState();
  for (const n of nodes) s.loadNode(n);
  return s;
}

describe('placement rules', () => {
  it('a plan only uses nodes every rule admits, distinct nodes, distinct /16s for synced data, within capacity; the index places as many as a full scan', () => {
    fc.assert(fc.property(clusterArb.chain((nodes) => fc.tuple(fc.constant(nodes), appArb(nodes))), ([nodes, a]) => {
      const full = reconcile(input({ app: a, nodes }));
      const indexed = reconcile(input({ app: a, nodes: stateOf(nodes) }));
      for (const plan of [full, indexed]) {
        const byId = new Map(nodes.map((n) => [n.nodeId, n]));
        const picked = plan.schedule.map((s) => byId.get(s.nodeId)!);
        for (const n of picked) expect(admits(a, n)).toBe(true);
        expect(new Set(picked.map((n) => n.nodeId)).size).toBe(picked.length);
        if (a.runtime.syncedData) expect(new Set(picked.map((n) => subnet16(n.ip))).size).toBe(picked.length);
        for (const s of plan.schedule) {
          const d = demandOf(s.components);
          const cap = allocatableFor(DEFAULT_HARDWARE, byId.get(s.nodeId)!.tier);
          expect(d.ram <= cap.ram && d.cpu <= cap.cpu && d.hdd <= cap.hdd).toBe(true);
        }
        expect(plan.schedule.length).toBeLessThanOrEqual(a.runtime.instances);
      }
      expect(indexed.schedule.length).toBe(full.schedule.length);
    }), { numRuns: 300 });
  });

  it('the explanation counts every node once: eligible + ruled out = total, and nothing is placed when nothing is eligible', () => {
    fc.assert(fc.property(clusterArb.chain((nodes) => fc.tuple(fc.constant(nodes), appArb(nodes))), ([nodes, a]) => {
      for (const source of [nodes, stateOf(nodes)]) {
        const e = explainPlacement(input({ app: a, nodes: source }));
        expect(e.totalNodes).toBe(nodes.length);
        expect(e.eligible + e.ruledOut.reduce((acc, r) => acc + r.nodes, 0)).toBe(nodes.length);
        if (e.eligible === 0) expect(e.wouldPlace).toEqual([]);
        // Eligible nodes are exactly those the independent rule check admits and that have room.
        const room = nodes.filter((n) => admits(a, n) && firstFailing(n, {
          hosting: new Set(), excluded: new Map(), demand: () => demandOf(reconcile(input({ app: a, nodes: [n] })).schedule[0]?.components ?? []), usage: new Map(), hardware: DEFAULT_HARDWARE,
          syncedData: false, subnetsInUse: new Set(), rules: placementRulesOf(a.runtime),
        }, PLACEMENT_CHECKERS.filter((c) => !['cpu', 'ram', 'hdd', 'tier'].includes(c.name))) === null);
        expect(e.eligible).toBeLessThanOrEqual(room.length);
      }
    }), { numRuns: 200 });
  });

  it('the rule checkers agree with the independent reading of each rule', () => {
    fc.assert(fc.property(clusterArb.chain((nodes) => fc.tuple(fc.constant(nodes), appArb(nodes))), ([nodes, a]) => {
      const rules = placementRulesOf(a.runtime);
      for (const n of nodes.filter((x) => x.up)) {
        const ok = firstFailing(n, { hosting: new Set(), excluded: new Map(), demand: () => undefined, usage: new Map(), hardware: DEFAULT_HARDWARE, syncedData: false, subnetsInUse: new Set(), rules }, RULE_CHECKERS) === null;
        expect(ok).toBe(admits(a, n));
      }
    }), { numRuns: 200 });
  });

  it("the checker's location matcher answers as geoMatches for every rule and location", () => {
    const part = fc.constantFrom('', 'EU', 'E', 'EU_', 'CZ', 'C', 'Prague', 'Prague_Old', 'Old', 'NA');
    const rule = fc.record({ continent: fc.option(part, { nil: undefined }), country: fc.option(part, { nil: undefined }), region: fc.option(part, { nil: undefined }) });
    const location = fc.array(part, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('_'));
    fc.assert(fc.property(rule, location, (r, loc) => {
      expect(locationMatches(r, loc)).toBe(geoMatches(r, loc));
    }), { numRuns: 5000 });
  });

  it('an explanation names the rule: an app allowed only in Japan on a cluster in Europe', () => {
    const nodes: NodeView[] = Array.from({ length: 12 }, (_, i) => ({ nodeId: `n${i}`, ip: `10.0.0.${i}`, tier: 'CUMULUS', registered: true, expired: false, benchmarkPassed: true, up: i !== 0, location: 'EU_CZ_Prague' }));
    const a = appOf();
    const japan: AppView = { ...a, runtime: { ...a.runtime, geolocation: { allow: [{ continent: 'AS', country: 'JP', raw: 'acAS_JP' }], deny: [] } } };
    const e = explainPlacement(input({ app: japan, nodes }));
    expect(e.eligible).toBe(0);
    expect(e.ruledOut).toEqual([
      { rule: 'geolocation', label: 'outside the allowed geolocation', nodes: 11 },
      { rule: 'down', label: 'down', nodes: 1 },
    ]);
    expect(e.summary).toBe('demo: 0 of 3 instances placed; 0 of 12 nodes could take another: 11 outside the allowed geolocation, 1 down');
  });

  it('a pinned node by ip:port is the only candidate; a static-IP app skips nodes without one', () => {
    const nodes: NodeView[] = ['1.2.3.4', '5.6.7.8', '9.9.9.9'].map((ip, i) => ({ nodeId: `n${i}`, ip, tier: 'CUMULUS', registered: true, expired: false, benchmarkPassed: true, up: true, staticIp: i === 2 }));
    const a = appOf();
    const pinned: AppView = { ...a, runtime: { ...a.runtime, nodes: ['1.2.3.4:16127'] } };
    expect(reconcile(input({ app: pinned, nodes: stateOf(nodes) })).schedule.map((s) => s.nodeId)).toEqual(['n0']);
    const staticApp: AppView = { ...a, runtime: { ...a.runtime, staticIp: true } };
    expect(reconcile(input({ app: staticApp, nodes })).schedule.map((s) => s.nodeId)).toEqual(['n2']);
  });

  it('the smallest tier that fits wins', () => {
    const nodes: NodeView[] = (['STRATUS', 'NIMBUS', 'CUMULUS'] as const).map((tier, i) => ({ nodeId: `n${i}`, ip: `10.${i}.0.1`, tier, registered: true, expired: false, benchmarkPassed: true, up: true }));
    const a = appOf({ spec: v4Spec({ instances: 3 }) });
    expect(reconcile(input({ app: { ...a, runtime: { ...a.runtime, instances: 1 } }, nodes })).schedule.map((s) => s.nodeId)).toEqual(['n2']);
  });
});

describe('in-memory cluster state', () => {
  const sched = (app: string, nodeId: string, components: ComponentRun[]) =>
    makeEvent('InstanceScheduled', Subjects.placement(app), { app, nodeId, nodeIp: '10.0.0.1', specHash: hash('a'), components, reason: 'r' });

  it('a reserved decision confirmed and then delivered by the projection is held once', () => {
    const nodes: NodeView[] = Array.from({ length: 5 }, (_, i) => ({ nodeId: `n${i}`, ip: `10.${i}.0.1`, tier: 'CUMULUS', registered: true, expired: false, benchmarkPassed: true, up: true }));
    const s = stateOf(nodes);
    const a = appOf();
    s.loadApp('demo', a);
    const plan = reconcile(s.input('demo', DEFAULT_HARDWARE));
    expect(plan.schedule).toHaveLength(3);
    s.reserve('demo', 'demo', plan);
    s.confirm('demo', plan, [11, 12, 13]);
    plan.schedule.forEach((st, i) => s.apply(sched('demo', st.nodeId, st.components), 11 + i));
    const total = [...nodes].reduce((acc, n) => acc + (s.usage(n.nodeId)?.instances ?? 0), 0);
    expect(total).toBe(3);
    expect(isEmptyPlan(reconcile(s.input('demo', DEFAULT_HARDWARE)))).toBe(true);
    expect(s.revision('demo')).toBe(13);
  });

  it('many apps converge to their targets on a random cluster, never over capacity, and only node changes that matter wake apps', () => {
    fc.assert(fc.property(clusterArb, fc.integer({ min: 1, max: 12 }), (nodes, appCount) => {
      const s = stateOf(nodes);
      const base = appOf({ spec: v4Spec({ ram: 2500, hdd: 40 }) });
      for (let i = 0; i < appCount; i++) s.loadApp(`app${i}`, { ...base, name: `app${i}` });
      let seq = 100;
      for (let round = 0; round < 4; round++) {
        for (const k of s.appKeys()) {
          const plan = reconcile(s.input(k, DEFAULT_HARDWARE));
          if (isEmptyPlan(plan)) continue;
          s.reserve(k, k, plan);
          s.confirm(k, plan, [...plan.unschedule, ...plan.schedule].map(() => ++seq));
        }
      }
      for (const n of nodes) {
        const u = s.usage(n.nodeId);
        if (!u) continue;
        const cap = allocatableFor(DEFAULT_HARDWARE, n.tier);
        expect(u.ram <= cap.ram && u.cpu <= cap.cpu && u.hdd <= cap.hdd).toBe(true);
      }
      // Converged: nobody has more to do, and an app short of its target has no eligible node left.
      for (const k of s.appKeys()) {
        const inp = s.input(k, DEFAULT_HARDWARE);
        expect(isEmptyPlan(reconcile(inp))).toBe(true);
        const e = explainPlacement(inp);
        if (e.placed < e.target) expect(e.eligible).toBe(0);
        else expect(e.placed).toBe(e.target);
      }
    }), { numRuns: 100 });
  });

  it('a node going down wakes only the apps on it; a new node wakes the short apps', () => {
    const nodes: NodeView[] = Array.from({ length: 4 }, (_, i) => ({ nodeId: `n${i}`, ip: `10.${i}.0.1`, tier: 'CUMULUS', registered: true, expired: false, benchmarkPassed: true, up: true }));
    const s = stateOf(nodes);
    s.loadApp('a', { ...appOf(), name: 'a' });
    const plan = reconcile(s.input('a', DEFAULT_HARDWARE));
    s.reserve('a', 'a', plan);
    s.confirm('a', plan, [1, 2, 3]);
    const on = plan.schedule[0]!.nodeId;
    const free = nodes.find((n) => !plan.schedule.some((st) => st.nodeId === n.nodeId))!.nodeId;
    expect(s.apply(makeEvent('NodeWentDown', Subjects.node(on), { nodeId: on, lastSeen: new Date().toISOString() }), 10).apps).toEqual(['a']);
    expect(s.apply(makeEvent('NodeWentDown', Subjects.node(free), { nodeId: free, lastSeen: new Date().toISOString() }), 11)).toEqual({ apps: [], short: false });
    expect(s.apply(makeEvent('NodeCameBack', Subjects.node(free), { nodeId: free }), 12)).toEqual({ apps: [], short: true });
  });
});
