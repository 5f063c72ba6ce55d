import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reconcile } from './reconcile';
import { rolloutNow, serving } from './rollout';
import type { Placement } from './types';
import { app, hash, input, node, v4Spec } from '../../test/fixtures';

const nodes = Array.from({ length: 8 }, (_, i) => node(`n${i + 1}`));
const up = (ids: string[], specHash: string): Placement[] => ids.map((nodeId, i) => ({ nodeId, specHash, scheduledSeq: 10 + i, status: 'running', routed: true }));

describe('rolling updates (rolloutNow)', () => {
  it('replaces one serving instance at a time, oldest first, and the next only once the new one is routed', () => {
    const updated = app({ hash: hash('b'), spec: v4Spec({ instances: 3, ram: 600 }) });
    const first = reconcile(input({ app: updated, nodes, placements: up(['n1', 'n2', 'n3'], hash('a')) }));
    expect(first.schedule.map((s) => [s.nodeId, s.specHash])).toEqual([['n1', hash('b')]]);
    expect(first.unschedule).toEqual([]);
    // n1 runs the new spec but HAProxy does not serve it yet: nothing more.
    const starting: Placement[] = [{ nodeId: 'n1', specHash: hash('b'), scheduledSeq: 20, status: 'running' }, ...up(['n2', 'n3'], hash('a')).slice(0)];
    expect(reconcile(input({ app: updated, nodes, placements: starting })).schedule).toEqual([]);
    // Routed: the next one (n2).
    const routed = starting.map((p) => (p.nodeId === 'n1' ? { ...p, routed: true } : p));
    expect(reconcile(input({ app: updated, nodes, placements: routed })).schedule.map((s) => s.nodeId)).toEqual(['n2']);
  });

  it('replaces instances that serve nothing at once, and apps without public ports wait for running only', () => {
    const updated = app({ hash: hash('b') });
    const placements: Placement[] = [...up(['n1', 'n2'], hash('a')), { nodeId: 'n3', specHash: hash('a'), scheduledSeq: 30, status: 'scheduled' }];
    // n3 serves nothing: replaced now, and n1 waits until n3 serves (2 serving = target - 1).
    expect(rolloutNow(updated, placements, placements).map((p) => p.nodeId)).toEqual(['n3']);
    const portless = { ...updated, runtime: { ...updated.runtime, publicPorts: [] } };
    expect(serving({ nodeId: 'n1', specHash: hash('a'), scheduledSeq: 1, status: 'running' }, false)).toBe(true);
    expect(rolloutNow(portless, up(['n1', 'n2', 'n3'], hash('a')).map(({ routed: _, ...p }) => p), up(['n1', 'n2', 'n3'], hash('a'))).map((p) => p.nodeId)).toEqual(['n1']);
  });

  it('never leaves fewer than instances - 1 serving during an update, and every instance ends on the new spec', () => {
    fc.assert(fc.property(
      // v7 specs run at least 3 instances (FluxOS's minimum).
      fc.integer({ min: 3, max: 7 }),
      // The world's order of progress: which in-flight instance moves on next (index into them).
      fc.array(fc.nat(), { minLength: 0, maxLength: 60 }),
      (target, picks) => {
        const updated = app({ hash: hash('b'), spec: v4Spec({ instances: target, ram: 700 }) });
        const ids = nodes.slice(0, target).map((n) => n.nodeId);
        let placements = up(ids, hash('a'));
        let seq = 100;
        const servingCount = () => placements.filter((p) => serving(p, true)).length;
        for (let step = 0; step < 4 * target + picks.length + 5; step++) {
          const plan = reconcile(input({ app: updated, nodes, placements }));
          expect(plan.unschedule).toEqual([]);
          for (const s of plan.schedule) {
            placements = placements.map((p) => (p.nodeId === s.nodeId ? { nodeId: p.nodeId, specHash: s.specHash, scheduledSeq: ++seq, status: 'scheduled' } : p));
          }
          expect(servingCount()).toBeGreaterThanOrEqual(target - 1);
          // The world: one in-flight instance starts, or gets routed (in an order the picks choose).
          const inFlight = placements.filter((p) => p.specHash === hash('b') && !serving(p, true));
          if (inFlight.length === 0) {
            if (placements.every((p) => p.specHash === hash('b'))) break;
            continue;
          }
          const moved = inFlight[(picks[step] ?? 0) % inFlight.length]!;
          placements = placements.map((p) => (p !== moved ? p : p.status === 'running' ? { ...p, routed: true } : { ...p, status: 'running' }));
          expect(servingCount()).toBeGreaterThanOrEqual(target - 1);
        }
        expect(placements.map((p) => p.specHash)).toEqual(ids.map(() => hash('b')));
        expect(servingCount()).toBe(target);
      },
    ), { numRuns: 200 });
  });
});
