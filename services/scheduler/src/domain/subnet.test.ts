import { describe, expect, it } from 'vitest';
import { distinctSubnetForSyncedData, firstProblem } from './feasibility';
import { reconcile } from './reconcile';
import { subnet16 } from './subnet';
import { app, input, node, v4Spec } from '../../test/fixtures';

describe('subnet16', () => {
  it('is the first two octets of an IPv4 address', () => {
    expect(subnet16('127.1.0.1')).toBe('127.1');
    expect(subnet16('10.20.30.40')).toBe('10.20');
    expect(subnet16('010.002.3.4')).toBe('10.2');
  });
  it('treats anything else as its own network', () => {
    expect(subnet16('::1')).toBe('::1');
    expect(subnet16('node-a')).toBe('node-a');
  });
});

describe('no two instances of an app with synced data in one /16', () => {
  const ctx = (syncedData: boolean, subnets: string[]) => ({
    hosting: new Set<string>(), excluded: new Map<string, string>(), demand: () => undefined, usage: new Map(), hardware: input().hardware,
    syncedData, subnetsInUse: new Set(subnets),
  });

  it('objects to a node whose /16 already holds an instance of a synced app', () => {
    const n = node('n1', { ip: '127.1.0.9' });
    expect(distinctSubnetForSyncedData.check(n, ctx(true, ['127.1']))).toMatch(/same \/16/);
    expect(distinctSubnetForSyncedData.check(n, ctx(true, ['127.2']))).toBeNull();
    expect(distinctSubnetForSyncedData.check(n, ctx(false, ['127.1']))).toBeNull();
  });

  it('places an s: app on one node per /16 and says why it placed fewer', () => {
    const nodes = [node('n1', { ip: '127.1.0.1' }), node('n2', { ip: '127.1.0.2' }), node('n3', { ip: '127.2.0.1' })];
    const plan = reconcile(input({ app: app({ spec: v4Spec({ containerData: 's:/data' }) }), nodes }));
    expect(plan.schedule.map((s) => s.nodeId).sort()).toEqual(['n1', 'n3']);
    expect(plan.notes.join(' ')).toMatch(/1 in a \/16 that already holds an instance/);
  });

  it('does not restrict apps without synced data', () => {
    const nodes = [node('n1', { ip: '127.1.0.1' }), node('n2', { ip: '127.1.0.2' }), node('n3', { ip: '127.1.0.3' })];
    const plan = reconcile(input({ app: app({ spec: v4Spec({ containerData: '/data' }) }), nodes }));
    expect(plan.schedule).toHaveLength(3);
  });

  it('moves the newer of two instances that share a /16 once the app keeps synced data', () => {
    const nodes = [node('n1', { ip: '127.1.0.1' }), node('n2', { ip: '127.1.0.2' }), node('n3', { ip: '127.3.0.1' })];
    const a = app({ spec: v4Spec({ containerData: 'r:/data', instances: 2 }) });
    const placements = [
      { nodeId: 'n1', specHash: a.hash, scheduledSeq: 1, status: 'running' as const },
      { nodeId: 'n2', specHash: a.hash, scheduledSeq: 2, status: 'running' as const },
    ];
    const plan = reconcile(input({ app: a, nodes, placements }));
    expect(plan.unschedule).toEqual([{ nodeId: 'n2', reason: expect.stringMatching(/same \/16 \(127\.1\)/) }]);
    expect(plan.schedule.map((s) => s.nodeId)).toEqual(['n3']);
  });

  it('firstProblem names the rule', () => {
    const n = node('n9', { ip: '127.5.0.1' });
    expect(firstProblem(n, { ...ctx(true, ['127.5']), demand: () => ({ cpu: 0, ram: 0, hdd: 0 }) })).toMatch(/synced data/);
  });
});
