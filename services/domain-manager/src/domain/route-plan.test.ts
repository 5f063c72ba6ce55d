import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes } from './desired-routes';
import { planApply, runtimeSteps } from './route-plan';
import type { RoutingState } from './routing-state';
import { primaryStandbyState, routingState } from './arbitraries.testkit';

const D = 'fluxplane.test';
const base: RoutingState = {
  apps: [{ name: 'demo', ports: [31000] }],
  instances: [{ app: 'demo', nodeId: 'a', ip: '127.0.0.2', ports: [31000], running: true }],
};

describe('planApply', () => {
  it('reloads when nothing is known yet', () => {
    expect(planApply(undefined, desiredRoutes(base, D))).toMatchObject({ kind: 'reload' });
  });
  it('does nothing for the same routes', () => {
    expect(planApply(desiredRoutes(base, D), desiredRoutes(base, D))).toEqual({ kind: 'none' });
  });
  it('uses the runtime API when only servers change', () => {
    const next = desiredRoutes({ ...base, instances: [{ ...base.instances[0]!, running: false }, { app: 'demo', nodeId: 'b', ip: '127.0.0.3', ports: [], running: true }] }, D);
    expect(planApply(desiredRoutes(base, D), next)).toEqual({
      kind: 'runtime',
      changes: [{ backend: 'be_demo_31000', add: [{ name: '127.0.0.3:31000', address: '127.0.0.3', port: 31000, owner: { app: 'demo', nodeId: 'b', specHash: '' } }], remove: ['127.0.0.2:31000'] }],
    });
  });
  it('reloads when a backend or a host changes', () => {
    expect(planApply(desiredRoutes(base, D), desiredRoutes({ ...base, apps: [...base.apps, { name: 'two', ports: [1] }] }, D))).toMatchObject({ kind: 'reload', reason: 'hosts changed' });
    expect(planApply(desiredRoutes(base, D), desiredRoutes({ ...base, apps: [{ name: 'demo', ports: [31001] }] }, D))).toMatchObject({ kind: 'reload' });
  });
  it('property: applying the runtime changes to the current servers gives the next servers', () => {
    fc.assert(fc.property(routingState, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (state, flips) => {
      const current = desiredRoutes(state, D);
      const flipped = { ...state, instances: state.instances.map((i, n) => ({ ...i, running: flips[n] ? !i.running : i.running })) };
      const next = desiredRoutes(flipped, D);
      const plan = planApply(current, next);
      expect(plan.kind).not.toBe('reload'); // instances alone never change the shape
      const servers = new Map(current.backends.map((b) => [b.name, new Set(b.servers.map((s) => s.name))]));
      if (plan.kind === 'runtime') {
        for (const c of plan.changes) {
          for (const r of c.remove) servers.get(c.backend)!.delete(r);
          for (const a of c.add) servers.get(c.backend)!.add(a.name);
        }
      }
      for (const b of next.backends) expect([...servers.get(b.name)!].sort()).toEqual(b.servers.map((s) => s.name).sort());
    }));
  });
});

describe('runtimeSteps', () => {
  const gApp = (master: string): RoutingState => ({
    apps: [{ name: 'counter', ports: [31000, 31001], primaryStandby: ['db'] }],
    instances: ['a', 'b', 'c'].map((n, i) => ({ app: 'counter', nodeId: n, ip: `127.0.0.${i + 2}`, ports: [], running: true })),
    masters: [{ app: 'counter', component: 'db', nodeId: master, term: master.charCodeAt(0) }],
  });

  it('takes the old master out on every port before the new one is put in', () => {
    const plan = planApply(desiredRoutes(gApp('a'), D), desiredRoutes(gApp('b'), D));
    if (plan.kind !== 'runtime') throw new Error(`expected a runtime plan, got ${plan.kind}`);
    expect(runtimeSteps(plan.changes).map((s) => `${s.op} ${s.backend}/${s.op === 'disable' ? s.name : s.server.name}`)).toEqual([
      'disable be_counter_31000/127.0.0.2:31000', 'disable be_counter_31001/127.0.0.2:31001',
      'enable be_counter_31000/127.0.0.3:31000', 'enable be_counter_31001/127.0.0.3:31001',
    ]);
  });

  it('property: applied step by step, a g: app is never served by two nodes, and the steps reach the next table', () => {
    fc.assert(fc.property(primaryStandbyState, fc.array(fc.record({ node: fc.nat({ max: 25 }), term: fc.integer({ min: 51, max: 99 }) }), { maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (state, elections, flips) => {
        const current = desiredRoutes(state, D);
        const gApps = state.apps.filter((a) => a.primaryStandby);
        const next: RoutingState = {
          ...state,
          instances: state.instances.map((i, n) => ({ ...i, running: flips[n] ? !i.running : i.running })),
          masters: [...(state.masters ?? []), ...(gApps.length === 0 ? [] : elections.map((e, k) => ({ app: gApps[k % gApps.length]!.name, component: 'db', nodeId: `node-${e.node}`, term: e.term })))],
        };
        const target = desiredRoutes(next, D);
        const plan = planApply(current, target);
        expect(plan.kind).not.toBe('reload');
        if (plan.kind !== 'runtime') return;
        const live = new Map(current.backends.map((b) => [b.name, new Map(b.servers.map((s) => [s.name, s.address]))]));
        const appOf = new Map(current.backends.map((b) => [b.name, b.app]));
        const servingNodes = (app: string) => new Set([...live].filter(([b]) => appOf.get(b) === app).flatMap(([, s]) => [...s.values()]));
        let enabled = false;
        for (const step of runtimeSteps(plan.changes)) {
          if (step.op === 'disable') {
            expect(enabled).toBe(false); // every disable precedes every enable
            live.get(step.backend)!.delete(step.name);
          } else {
            enabled = true;
            live.get(step.backend)!.set(step.server.name, step.server.address);
          }
          for (const app of gApps) expect(servingNodes(app.name).size).toBeLessThanOrEqual(1);
        }
        for (const b of target.backends) expect([...live.get(b.name)!.keys()].sort()).toEqual(b.servers.map((s) => s.name).sort());
      }));
  });
});
