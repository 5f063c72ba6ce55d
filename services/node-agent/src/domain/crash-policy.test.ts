import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffAfter, CrashTracker, decideCrash, type CrashPolicy } from './crash-policy';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const policy: CrashPolicy = { maxRestarts: 3, windowMs: 60_000, initialBackoffMs: 1000, maxBackoffMs: 4000 };
const crash = { component: 'web', exitCode: 3 };

describe('decideCrash', () => {
  it('restarts the first crash at once, then waits twice as long after each restart', () => {
    expect(decideCrash(policy, [], 0, crash)).toEqual({ kind: 'restart' });
    expect(decideCrash(policy, [0], 500, crash)).toEqual({ kind: 'wait', untilMs: 1000 });
    expect(decideCrash(policy, [0], 1000, crash)).toEqual({ kind: 'restart' });
    expect(decideCrash(policy, [0, 1000], 2000, crash)).toEqual({ kind: 'wait', untilMs: 3000 });
  });

  it('gives up on the crash after the last allowed restart in the window, naming the rule and the exit code', () => {
    const d = decideCrash(policy, [0, 1000, 3000], 7000, crash);
    expect(d).toEqual({ kind: 'give-up', error: 'crash loop: component web exited 4 times within 60 s (restart limit 3); last exit code 3' });
  });

  it('forgets restarts older than the window', () => {
    expect(decideCrash(policy, [0, 1000, 62_000], 62_500, crash)).toEqual({ kind: 'wait', untilMs: 63_000 });
    expect(decideCrash(policy, [0, 1000, 3000], 200_000, crash)).toEqual({ kind: 'restart' });
  });

  it('caps the backoff', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffAfter(policy, n))).toEqual([0, 1000, 2000, 4000, 4000, 4000]);
  });

  const arbPolicy = fc.record({
    maxRestarts: fc.integer({ min: 1, max: 6 }),
    windowMs: fc.integer({ min: 1000, max: 100_000 }),
    initialBackoffMs: fc.integer({ min: 1, max: 5000 }),
    maxBackoffMs: fc.integer({ min: 1, max: 20_000 }),
  });

  it('property: a container crashing at any times is never restarted more than maxRestarts times in any window, and never sooner than its backoff', () => {
    fc.assert(fc.property(arbPolicy, fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 40 }), (p, gaps) => {
      const t = new CrashTracker(p);
      const restarts: number[] = [];
      let now = 0;
      let failed = false;
      for (const gap of gaps) {
        now += gap;
        const d = t.decide('demo', H1, crash, now);
        if (failed) expect(d.kind).toBe('give-up'); // sticky
        if (d.kind === 'give-up') failed = true;
        if (d.kind === 'wait') expect(d.untilMs).toBeGreaterThan(now);
        if (d.kind === 'restart') {
          const inWindow = restarts.filter((r) => r > now - p.windowMs);
          expect(inWindow.length).toBeLessThan(p.maxRestarts);
          if (inWindow.length > 0) expect(now - Math.max(...inWindow)).toBeGreaterThanOrEqual(backoffAfter(p, inWindow.length));
          restarts.push(now);
        }
      }
    }));
  });

  it('property: a container that keeps crashing as soon as it may restart fails after exactly maxRestarts restarts', () => {
    fc.assert(fc.property(arbPolicy.filter((p) => p.maxBackoffMs * p.maxRestarts < p.windowMs), (p) => {
      const t = new CrashTracker(p);
      let now = 0;
      let restarts = 0;
      for (;;) {
        const d = t.decide('demo', H1, crash, now);
        if (d.kind === 'give-up') break;
        if (d.kind === 'wait') now = d.untilMs;
        else restarts++;
      }
      expect(restarts).toBe(p.maxRestarts);
    }));
  });
});

describe('CrashTracker', () => {
  it('reports the given-up spec as a failure, and starts over for a new spec or once the app is gone', () => {
    const t = new CrashTracker({ ...policy, maxRestarts: 1 });
    expect(t.decide('demo', H1, crash, 0).kind).toBe('restart');
    expect(t.decide('demo', H1, crash, 5000).kind).toBe('give-up');
    expect(t.failure('demo', H1)?.error).toContain('crash loop: component web');
    expect(t.failure('demo', H2)).toBeUndefined();
    expect(t.decide('demo', H2, crash, 6000).kind).toBe('restart');
    t.retain(new Set());
    expect(t.failure('demo', H2)).toBeUndefined();
  });
});
