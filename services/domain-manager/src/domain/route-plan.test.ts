import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes } from './desired-routes';
import { planApply } from './route-plan';
import type { RoutingState } from './routing-state';
import { routingState } from './arbitraries.testkit';

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
      changes: [{ backend: 'be_demo_31000', add: [{ name: '127.0.0.3:31000', address: '127.0.0.3', port: 31000 }], remove: ['127.0.0.2:31000'] }],
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
