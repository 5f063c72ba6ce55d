import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createLogger } from '../logger';
import { ReconcileLoop } from './reconcile-loop';
import type { ProjectionPosition } from './projection-position';

const logger = createLogger('reconcile-loop-property', 'silent');
const KEYS = ['a', 'b', 'c'] as const;

/** One step of a scenario: a trigger after some time, or the projection moving on. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('trigger' as const), key: fc.constantFrom(...KEYS), gapMs: fc.integer({ min: 0, max: 40 }), withSeq: fc.boolean() }),
  fc.record({ kind: fc.constant('project' as const), gapMs: fc.integer({ min: 0, max: 40 }) }),
);

const scenario = fc.record({
  concurrency: fc.integer({ min: 1, max: 3 }),
  debounceMs: fc.integer({ min: 0, max: 20 }),
  durations: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 10 }),
  failEvery: fc.integer({ min: 0, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});

describe('ReconcileLoop (property)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('for any interleaving of triggers: a key never runs twice at once, and its last trigger is followed by a run that sees it', async () => {
    await fc.assert(fc.asyncProperty(scenario, async ({ concurrency, debounceMs, durations, failEvery, steps }) => {
      // The projection has handled up to `position`; events up to `stored` exist.
      let position = 0;
      let stored = 0;
      const waiters: Array<{ seq: number; resolve: () => void }> = [];
      const projections: ProjectionPosition = {
        waitFor: (seq) => (position >= seq ? Promise.resolve() : new Promise((resolve) => waiters.push({ seq, resolve }))),
        catchUp: async () => {},
      };
      const project = () => {
        position = stored;
        for (const w of waiters.splice(0)) if (w.seq <= position) w.resolve(); else waiters.push(w);
      };

      let clock = 0; // orders triggers and run starts
      const lastTrigger = new Map<string, { at: number; seq: number }>();
      const lastStart = new Map<string, { at: number; position: number }>();
      const running = new Set<string>();
      let overlap = false;
      let tooMany = false;
      let runCount = 0;

      const loop = new ReconcileLoop({
        name: 'property',
        debounceMs,
        intervalMs: 0,
        concurrency,
        projections,
        keys: async () => [],
        logger,
        onError: () => {},
        work: async ({ key }) => {
          if (running.has(key)) overlap = true;
          running.add(key);
          if (running.size > concurrency) tooMany = true;
          lastStart.set(key, { at: ++clock, position });
          const n = runCount++;
          try {
            await new Promise((r) => setTimeout(r, durations[n % durations.length]));
            if (failEvery > 0 && n % failEvery === 0) throw new Error('run failed');
          } finally {
            running.delete(key);
          }
        },
      });
      loop.start();

      for (const s of steps) {
        await vi.advanceTimersByTimeAsync(s.gapMs);
        if (s.kind === 'project') { project(); continue; }
        const seq = s.withSeq ? ++stored : 0;
        lastTrigger.set(s.key, { at: ++clock, seq: Math.max(seq, lastTrigger.get(s.key)?.seq ?? 0) });
        loop.trigger(s.key, { seq });
      }
      project();
      await vi.advanceTimersByTimeAsync(60 * steps.length + 1000);

      expect(overlap).toBe(false);
      expect(tooMany).toBe(false);
      expect(loop.busy).toBe(false);
      for (const [key, t] of lastTrigger) {
        const start = lastStart.get(key);
        expect(start?.at, `key ${key} ran after its last trigger`).toBeGreaterThan(t.at);
        expect(start!.position, `key ${key}'s last run read the projection at its trigger's event or later`).toBeGreaterThanOrEqual(t.seq);
      }
      await loop.stop();
    }), { numRuns: 200 });
  });
});
