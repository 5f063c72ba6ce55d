import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LivenessTable, recordedLiveness, type LivenessChange, type LivenessConfig } from './liveness';

const cfg: LivenessConfig = { downAfterMs: 3000, backAfterMs: 5000, backAfterMaxMs: 40_000, flapWindowMs: 60_000 };

/** A node heard every `every` ms from `from` to `to` (inclusive); returns the changes. */
function beat(t: LivenessTable, id: string, from: number, to: number, every = 1000): LivenessChange[] {
  const out: LivenessChange[] = [];
  for (let at = from; at <= to; at += every) {
    const c = t.heard(id, at);
    if (c) out.push(c);
    out.push(...t.silent(at));
  }
  return out;
}

describe('liveness', () => {
  it('a node never heard is not judged and not up; its first heartbeat brings it up at once', () => {
    const t = new LivenessTable(cfg);
    expect(t.silent(1e9)).toEqual([]);
    expect(t.heard('a', 0)).toBeUndefined();
    expect(t.state('a')).toBe('unknown');
    expect(t.restore('a', 'never', 10)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
    expect(t.state('a')).toBe('up');
  });

  it('declares a silent node down once, after downAfterMs', () => {
    const t = new LivenessTable(cfg);
    t.heard('a', 0);
    t.restore('a', 'up', 0);
    expect(t.silent(3000)).toEqual([]);
    expect(t.silent(3001)).toEqual([{ kind: 'NodeWentDown', nodeId: 'a', lastSeen: 0 }]);
    expect(t.silent(9000)).toEqual([]);
  });

  it('a node back from down counts up only after its probation of unbroken heartbeats', () => {
    const t = new LivenessTable(cfg);
    t.restore('a', 'down', 0);
    expect(beat(t, 'a', 10_000, 14_000)).toEqual([]);
    expect(t.heard('a', 15_000)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
  });

  it('a gap longer than downAfterMs restarts the probation', () => {
    const t = new LivenessTable(cfg);
    t.restore('a', 'down', 0);
    expect(beat(t, 'a', 0, 4000)).toEqual([]);
    // 4 s of silence, then heard again: the probation counts from 8000.
    expect(beat(t, 'a', 8000, 12_000)).toEqual([]);
    expect(t.heard('a', 13_000)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
  });

  it('a node that flaps serves a doubled probation, up to the maximum; a steady one is back to the base', () => {
    const t = new LivenessTable(cfg);
    t.heard('a', 0);
    t.restore('a', 'up', 0);
    expect(t.silent(3001)).toHaveLength(1);
    expect(t.probation('a')).toBe(5000); // first down: not a flap
    expect(beat(t, 'a', 4000, 9000).map((c) => c.kind)).toEqual(['NodeCameBack']);
    expect(t.silent(12_001)).toHaveLength(1); // down again 3 s after coming back
    expect(t.probation('a')).toBe(10_000);
    beat(t, 'a', 13_000, 23_000);
    t.silent(26_001);
    expect(t.probation('a')).toBe(20_000);
    beat(t, 'a', 27_000, 47_000);
    t.silent(50_001);
    expect(t.probation('a')).toBe(40_000);
    beat(t, 'a', 51_000, 91_000);
    t.silent(94_001);
    expect(t.probation('a')).toBe(40_000); // capped
    beat(t, 'a', 95_000, 135_000);
    expect(t.state('a')).toBe('up');
    // Up for longer than the flap window: the next down is a fresh one.
    beat(t, 'a', 135_000, 200_000);
    t.silent(203_001);
    expect(t.probation('a')).toBe(5000);
  });

  it('counts silence from a forgiveness on (we could not hear), keeping nodes already down', () => {
    const t = new LivenessTable(cfg);
    for (const id of ['a', 'b']) { t.heard(id, 0); t.restore(id, 'up', 0); }
    expect(t.silent(6000)).toHaveLength(2);
    t.forgive(20_000);
    expect(t.silent(30_000)).toEqual([]);
    expect(t.state('a')).toBe('down');
  });

  it('retries a transition that was reverted', () => {
    const t = new LivenessTable(cfg);
    t.heard('a', 0);
    t.restore('a', 'up', 0);
    const [down] = t.silent(6000);
    t.revert(down!);
    expect(t.silent(6100)).toHaveLength(1);
    const back = beat(t, 'a', 7000, 12_000);
    expect(back).toEqual([{ kind: 'NodeCameBack', nodeId: 'a' }]);
    t.revert(back[0]!);
    expect(t.heard('a', 12_500)).toEqual({ kind: 'NodeCameBack', nodeId: 'a' });
  });

  it('reads the recorded liveness from a node stream', () => {
    expect(recordedLiveness([])).toBe('never');
    expect(recordedLiveness(['NodeBenchmarked'])).toBe('never');
    expect(recordedLiveness(['NodeCameBack', 'NodeWentDown', 'NodeBenchmarked'])).toBe('down');
    expect(recordedLiveness(['NodeWentDown', 'NodeCameBack'])).toBe('up');
  });

  const steps = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 8000 }), beat: fc.boolean() }), { maxLength: 80 });

  it('alternates down and back for any heartbeat pattern, and comes back only after an unbroken probation', () => {
    fc.assert(fc.property(steps, fc.constantFrom<'never' | 'up' | 'down'>('never', 'up', 'down'), (ss, recorded) => {
      const t = new LivenessTable(cfg);
      let now = 0;
      const changes: Array<LivenessChange & { at: number }> = [];
      const beats: number[] = [];
      const first = t.heard('a', now);
      if (first) changes.push({ ...first, at: now });
      beats.push(now);
      const r = t.restore('a', recorded, now);
      if (r) changes.push({ ...r, at: now });
      for (const s of ss) {
        now += s.gap;
        if (s.beat) {
          beats.push(now);
          const c = t.heard('a', now);
          if (c) changes.push({ ...c, at: now });
        }
        for (const c of t.silent(now)) changes.push({ ...c, at: now });
      }
      // Never two of a kind in a row.
      for (let i = 1; i < changes.length; i++) expect(changes[i]!.kind).not.toBe(changes[i - 1]!.kind);
      // Every NodeCameBack other than a first-ever one follows beats without a gap longer than
      // downAfterMs for at least the base probation.
      for (const c of changes) {
        if (c.kind !== 'NodeCameBack' || (recorded === 'never' && c === changes[0])) continue;
        const before = beats.filter((b) => b <= c.at);
        let start = before.length - 1;
        while (start > 0 && before[start]! - before[start - 1]! <= cfg.downAfterMs) start--;
        expect(c.at - before[start]!).toBeGreaterThanOrEqual(cfg.backAfterMs);
      }
      // A NodeWentDown comes only after more than downAfterMs without a heartbeat (a heartbeat at
      // the same instant but after the judgement does not count).
      for (const c of changes) {
        if (c.kind !== 'NodeWentDown') continue;
        const last = beats.filter((b) => b < c.at).at(-1) ?? 0;
        expect(c.at - last).toBeGreaterThan(cfg.downAfterMs);
      }
    }));
  });

  it('a node heard every second is never declared down, whatever it was before', () => {
    fc.assert(fc.property(fc.constantFrom<'never' | 'up' | 'down'>('never', 'up', 'down'), fc.integer({ min: 1, max: 300 }), (recorded, n) => {
      const t = new LivenessTable(cfg);
      t.heard('a', 0);
      t.restore('a', recorded, 0);
      const kinds = beat(t, 'a', 1000, n * 1000).map((c) => c.kind);
      expect(kinds).not.toContain('NodeWentDown');
    }));
  });
});
