import { describe, expect, it } from 'vitest';
import { reconcile } from './reconcile';
import { isEmptyPlan, type Placement } from './types';
import { app, applyPlan, hash, input, node, v4Spec } from '../../test/fixtures';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => node(id));
const placed = (ids: string[], specHash = hash('a'), status: Placement['status'] = 'running'): Placement[] =>
  ids.map((nodeId, i) => ({ nodeId, specHash, scheduledSeq: 10 + i, status }));

describe('reconcile', () => {
  it('places the desired instances on distinct nodes, deterministically', () => {
    const plan = reconcile(input({ nodes }));
    expect(plan.unschedule).toEqual([]);
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['n1', 'n2', 'n3']);
    expect(plan.schedule[0]).toMatchObject({ nodeIp: '10.0.0.1', specHash: hash('a'), components: [{ name: 'web', image: 'nginx:latest', ports: [{ host: 31000, container: 80 }] }] });
    expect(reconcile(input({ nodes }))).toEqual(plan);
  });

  it('spreads: prefers nodes with fewer instances, then more free resources', () => {
    const usage = new Map([['n1', { cpu: 5, ram: 500, hdd: 5, instances: 1 }], ['n2', { cpu: 20, ram: 3000, hdd: 50, instances: 0 }]]);
    const plan = reconcile(input({ nodes: [node('n1'), node('n2'), node('n3'), node('n4', { tier: 'STRATUS' })], usage }));
    // The smallest tier first (n4 is STRATUS); among the CUMULUS nodes n3 is empty, n2 has no
    // instances but is loaded, n1 has one.
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['n3', 'n2', 'n1']);
  });

  it('skips nodes that are not registered, expired, unbenchmarked, failed their bench or down', () => {
    const bad = [node('b1', { registered: false }), node('b2', { expired: true }), node('b3', { benchmarkPassed: false }), node('b4', { up: false })];
    const plan = reconcile(input({ nodes: [...bad, node('g1')] }));
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['g1']);
    expect(plan.notes[0]).toMatch(/placed 1 of 3/);
  });

  it('respects capacity minus locked resources and what other apps hold', () => {
    const big = app({ spec: v4Spec({ cpu: 3, ram: 5000, hdd: 100 }) });
    const usage = new Map([['n1', { cpu: 1, ram: 0, hdd: 0, instances: 1 }]]);
    const plan = reconcile(input({ app: big, nodes: [node('n1'), node('n2'), node('n3', { tier: 'NIMBUS' })], usage }));
    // CUMULUS allows 30 tenths / 5000 MB / 160 GB: n2 fits exactly, n1 lacks 0.1 core.
    expect(plan.schedule.map((s) => s.nodeId).sort()).toEqual(['n2', 'n3']);
  });

  it('does nothing when the app runs as desired', () => {
    expect(isEmptyPlan(reconcile(input({ nodes, placements: placed(['n1', 'n2', 'n3']) })))).toBe(true);
  });

  it('replaces an instance on a node that went down or expired, at once', () => {
    const down = nodes.map((n) => (n.nodeId === 'n2' ? { ...n, up: false } : n.nodeId === 'n3' ? { ...n, expired: true } : n));
    const plan = reconcile(input({ nodes: down, placements: placed(['n1', 'n2', 'n3']) }));
    expect(plan.unschedule).toEqual([{ nodeId: 'n2', reason: 'node down' }, { nodeId: 'n3', reason: 'node expired' }]);
    expect(plan.schedule.map((s) => [s.nodeId, s.reason])).toEqual([['n4', 'replaces instance on n2 (node down)'], ['n5', 'replaces instance on n3 (node expired)']]);
  });

  it('moves a failed instance elsewhere and never back onto the node for the same spec hash', () => {
    const plan = reconcile(input({ nodes, placements: [...placed(['n1', 'n3']), { nodeId: 'n2', specHash: hash('a'), scheduledSeq: 20, status: 'failed' }], setbacks: [{ nodeId: 'n2', specHash: hash('a') }] }));
    expect(plan.unschedule).toEqual([{ nodeId: 'n2', reason: 'instance failed' }]);
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['n4']);
    // With every other node used, the failed node stays out for that hash…
    const later = reconcile(input({ nodes: nodes.slice(0, 3), placements: placed(['n1', 'n3']), setbacks: [{ nodeId: 'n2', specHash: hash('a') }] }));
    expect(later.schedule).toEqual([]);
    // …but a new spec hash may use it again.
    const updated = reconcile(input({ app: app({ hash: hash('b') }), nodes: nodes.slice(0, 3), placements: placed(['n1', 'n3']), setbacks: [{ nodeId: 'n2', specHash: hash('a') }] }));
    expect(updated.schedule.map((s) => s.nodeId).sort()).toEqual(['n1', 'n2', 'n3']);
  });

  it('keeps a placement whose last report is a stop (the teardown of an earlier unschedule)', () => {
    const plan = reconcile(input({ nodes, placements: [...placed(['n1', 'n2']), { nodeId: 'n3', specHash: hash('a'), scheduledSeq: 30, status: 'stopped' }] }));
    expect(plan.unschedule).toEqual([]);
    expect(plan.schedule).toEqual([]);
  });

  it('rolls a new spec hash out on the same nodes', () => {
    const plan = reconcile(input({ app: app({ hash: hash('b'), spec: v4Spec({ cpu: 1 }) }), nodes, placements: placed(['n1', 'n2', 'n3']) }));
    expect(plan.unschedule).toEqual([]);
    expect(plan.schedule.map((s) => [s.nodeId, s.specHash, s.components[0]!.cpu])).toEqual([['n1', hash('b'), 1], ['n2', hash('b'), 1], ['n3', hash('b'), 1]]);
  });

  it('moves an instance whose node cannot hold the updated spec', () => {
    const usage = new Map([['n1', { cpu: 25, ram: 0, hdd: 0, instances: 2 }]]);
    const plan = reconcile(input({ app: app({ hash: hash('b'), spec: v4Spec({ cpu: 1 }) }), nodes, usage, placements: placed(['n1', 'n2', 'n3']) }));
    expect(plan.unschedule).toEqual([{ nodeId: 'n1', reason: 'updated spec cannot run here: not enough free CPU' }]);
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['n2', 'n3', 'n4']);
  });

  it('scales up and down; surplus goes newest first', () => {
    const up = reconcile(input({ app: app({ spec: v4Spec({ instances: 5 }) }), nodes, placements: placed(['n1', 'n2', 'n3']) }));
    expect(up.schedule.map((s) => s.nodeId)).toEqual(['n4', 'n5']);
    const down = reconcile(input({ nodes, placements: placed(['n5', 'n1', 'n4', 'n2', 'n3']) }));
    // scheduledSeq follows the array order: n2 (13) and n3 (14) are the newest.
    expect(down.unschedule.map((u) => u.nodeId).sort()).toEqual(['n2', 'n3']);
    expect(down.schedule).toEqual([]);
  });

  it('honours a v8 single-instance spec', () => {
    const plan = reconcile(input({ app: app({ spec: v4Spec({ version: 8, instances: 1 }) }), nodes }));
    expect(plan.schedule).toHaveLength(1);
  });

  it('unschedules everything of an expired or unknown app', () => {
    expect(reconcile(input({ app: app({ expired: true }), nodes, placements: placed(['n1', 'n2']) })).unschedule).toEqual([{ nodeId: 'n1', reason: 'app expired' }, { nodeId: 'n2', reason: 'app expired' }]);
    expect(reconcile(input({ app: null, nodes, placements: placed(['n1']) })).unschedule).toEqual([{ nodeId: 'n1', reason: 'app unknown' }]);
  });

  it('explains why a spec cannot be placed at all', () => {
    const plan = reconcile(input({ app: app({ spec: { version: 8, name: 'x', compose: [], enterprise: 'enc', instances: 3 } }), nodes }));
    expect(plan.schedule).toEqual([]);
    expect(plan.notes.join(' ')).toMatch(/no components/);
  });

  it('reaches a fixed point: reconciling after applying a plan yields nothing', () => {
    const first = input({ app: app({ hash: hash('b') }), nodes: nodes.map((n) => (n.nodeId === 'n1' ? { ...n, up: false } : n)), placements: placed(['n1', 'n2']) });
    const plan = reconcile(first);
    expect(isEmptyPlan(reconcile(applyPlan(first, plan, 100)))).toBe(true);
  });
});
