import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LivenessTable } from './liveness';

describe('liveness', () => {
  it('declares a silent node down once, and back on its next heartbeat', () => {
    const t = new LivenessTable();
    expect(t.heard('a', 0)).toBeUndefined();
    expect(t.silent(4000, 5000)).toEqual([]);
    expect(t.silent(5001, 5000)).toEqual([{ kind: 'NodeWentDown', nodeId: 'a', lastSeen: 0 }]);
    expect(t.silent(9000, 5000)).toEqual([]);
    expect(t.heard('a', 9500)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
    expect(t.heard('a', 9600)).toBeUndefined();
  });

  it('never judges a node it has not heard from', () => {
    const t = new LivenessTable();
    expect(t.silent(1e9, 5000)).toEqual([]);
  });

  it('keeps a restored down state until a heartbeat', () => {
    const t = new LivenessTable();
    t.restore('a', true, 0);
    expect(t.silent(1e6, 5000)).toEqual([]);
    expect(t.heard('a', 1e6)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
  });

  it('counts silence from a forgiveness on (we could not hear), keeping nodes already down', () => {
    const t = new LivenessTable();
    t.heard('a', 0);
    t.heard('b', 0);
    expect(t.silent(6000, 5000)).toHaveLength(2);
    t.heard('a', 6000);
    t.forgive(20_000);
    expect(t.silent(24_000, 5000)).toEqual([]);
    expect(t.silent(25_001, 5000)).toEqual([{ kind: 'NodeWentDown', nodeId: 'a', lastSeen: 20_000 }]);
    expect(t.heard('b', 25_002)).toEqual({ kind: 'NodeCameBack', nodeId: 'b' });
  });

  it('retries a transition that was reverted', () => {
    const t = new LivenessTable();
    t.heard('a', 0);
    const [down] = t.silent(6000, 5000);
    t.revert(down!);
    expect(t.silent(6100, 5000)).toHaveLength(1);
  });

  it('alternates down and back for any heartbeat pattern (never two of a kind in a row)', () => {
    fc.assert(fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), beat: fc.boolean() }), { maxLength: 60 }), (steps) => {
      const t = new LivenessTable();
      let now = 0;
      t.heard('n', now);
      const kinds: string[] = [];
      for (const s of steps) {
        now += s.gap;
        for (const c of t.silent(now, 5000)) kinds.push(c.kind);
        if (s.beat) { const c = t.heard('n', now); if (c) kinds.push(c.kind); }
      }
      for (let i = 1; i < kinds.length; i++) expect(kinds[i]).not.toBe(kinds[i - 1]);
      if (kinds.length) expect(kinds[0]).toBe('NodeWentDown');
    }));
  });
});
