import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runtimeView } from '@fluxplane/flux-spec';
import { expectedToStart, nextDeadline, overdueStarts, type PendingStart } from './start-deadline';
import { v4Spec } from '../../test/fixtures';

const plain = runtimeView(v4Spec());
const withG = runtimeView(v4Spec({ containerData: 'g:/data' }));

describe('start deadline', () => {
  it('only instances expected to run are held to it: every one of a plain app, the master of a g: app', () => {
    expect(expectedToStart(plain, new Map(), 'n1')).toBe(true);
    expect(expectedToStart(withG, new Map(), 'n1')).toBe(false); // no master yet: nobody runs it
    expect(expectedToStart(withG, new Map([['web', 'n2']]), 'n1')).toBe(false); // a standby
    expect(expectedToStart(withG, new Map([['web', 'n1']]), 'n1')).toBe(true);
  });

  it('finds the pending starts past their deadline', () => {
    const p = (nodeId: string, seenAt: number): PendingStart => ({ nodeId, specHash: 'h', scheduledSeq: 1, seenAt });
    const pending = [p('a', 0), p('b', 50_000), p('c', 0)];
    expect(overdueStarts(pending, 60_000, 60_000, (x) => x.nodeId !== 'c').map((x) => x.nodeId)).toEqual(['a']);
    expect(nextDeadline(pending, 60_000)).toBe(60_000);
    expect(nextDeadline([], 60_000)).toBeNull();
  });

  it('never takes an instance for failed before its deadline, nor a standby ever', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ nodeId: fc.constantFrom('n1', 'n2', 'n3'), seenAt: fc.integer({ min: 0, max: 100_000 }) })),
      fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 1, max: 100_000 }), fc.option(fc.constantFrom('n1', 'n2', 'n3')),
      (ps, now, deadline, master) => {
        const pending = ps.map((x) => ({ ...x, specHash: 'h', scheduledSeq: 1 }));
        const masters = new Map(master ? [['web', master]] : []);
        const out = overdueStarts(pending, now, deadline, (x) => expectedToStart(withG, masters, x.nodeId));
        for (const o of out) {
          expect(now - o.seenAt).toBeGreaterThanOrEqual(deadline);
          expect(o.nodeId).toBe(master);
        }
        const plainOut = overdueStarts(pending, now, deadline, (x) => expectedToStart(plain, masters, x.nodeId));
        expect(plainOut.length).toBe(pending.filter((x) => now - x.seenAt >= deadline).length);
      }));
  });
});
