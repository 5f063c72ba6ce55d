import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from 'prom-client';
import { createLogger } from '../logger';
import { ReconcileLoop, SINGLE_KEY, type ReconcileLoopOptions, type ReconcileRun } from './reconcile-loop';
import type { ProjectionPosition } from './projection-position';

const logger = createLogger('reconcile-loop-test', 'silent');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let loops = 0;

/** A started loop on fake timers, recording its runs; `work` may add a delay or a failure. */
function loopWith(opts: Partial<ReconcileLoopOptions<string>> = {}, work: (run: ReconcileRun<string>) => Promise<void> = async () => {}) {
  const runs: Array<ReconcileRun<string>> = [];
  let active = 0;
  let maxActive = 0;
  const name = `test-${++loops}`;
  const loop = new ReconcileLoop<string>({
    name,
    debounceMs: 10,
    intervalMs: 0,
    logger,
    ...opts,
    work: async (run) => {
      runs.push(run);
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        await work(run);
      } finally {
        active--;
      }
    },
  });
  return { loop, name, runs, maxActive: () => maxActive };
}

/** A projection whose position the test moves. */
function fakeProjections(position = 0) {
  let pos = position;
  let caughtUp = true;
  const waiters: Array<{ seq: number; resolve: () => void }> = [];
  const p: ProjectionPosition & { advance(seq: number): void; setCaughtUp(v: boolean): void } = {
    async waitFor(seq) {
      if (pos >= seq) return;
      await new Promise<void>((resolve) => waiters.push({ seq, resolve }));
    },
    async catchUp() {
      if (!caughtUp) throw new Error('behind');
    },
    advance(seq) {
      pos = seq;
      for (const w of waiters.splice(0)) if (w.seq <= pos) w.resolve(); else waiters.push(w);
    },
    setCaughtUp(v) { caughtUp = v; },
  };
  return p;
}

/** A started loop whose projections are not caught up at its start (catch-up timeout 100 ms). */
function startedBehindProjections(strict: boolean) {
  const projections = fakeProjections();
  projections.setCaughtUp(false);
  const { loop, runs } = loopWith({ projections, catchUpAtStart: { timeoutMs: 100, strict } });
  loop.start();
  return { loop, runs, projections };
}

async function metric(name: string, loop: string): Promise<number | undefined> {
  const m = await register.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.loop === loop)?.value;
}

describe('ReconcileLoop', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once at start, and once for a burst of triggers after the quiet period', async () => {
    const { loop, runs } = loopWith({ debounceMs: 200, maxDelayMs: 800 });
    loop.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toEqual([{ key: SINGLE_KEY, cause: undefined, periodic: false }]);
    for (let i = 0; i < 10; i++) { loop.trigger(); await vi.advanceTimersByTimeAsync(50); }
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toHaveLength(2);
    expect(loop.busy).toBe(false);
  });

  it('queues a full pass at once, without the quiet period a triggered key waits', async () => {
    const { loop, runs } = loopWith({ debounceMs: 200, maxDelayMs: 800, keys: async () => ['a', 'b', 'c'], concurrency: 3 });
    loop.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.key).sort()).toEqual(['a', 'b', 'c']);
    loop.trigger('a');
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(3);
    // A full pass while a key is debouncing runs it now (once).
    loop.triggerAll();
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toHaveLength(6);
  });

  it('never waits longer than the max delay under a steady trickle', async () => {
    const { loop, runs } = loopWith({ debounceMs: 200, maxDelayMs: 800 });
    loop.start();
    await vi.advanceTimersByTimeAsync(300);
    for (let i = 0; i < 20; i++) { loop.trigger(); await vi.advanceTimersByTimeAsync(100); }
    expect(runs.length).toBeGreaterThanOrEqual(3);
  });

  it('runs once more when triggered during a run, and never concurrently', async () => {
    const { loop, runs, maxActive } = loopWith({}, () => sleep(100));
    loop.start();
    await vi.advanceTimersByTimeAsync(20); // the start run is in progress
    loop.trigger(); loop.trigger(); loop.trigger();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toHaveLength(2);
    expect(maxActive()).toBe(1);
    expect(loop.busy).toBe(false);
  });

  it('coalesces a burst per key, keeps the latest cause, and works keys one at a time', async () => {
    const { loop, runs, maxActive } = loopWith({ keys: async () => [] }, () => sleep(5));
    loop.start();
    await vi.advanceTimersByTimeAsync(20);
    for (let i = 0; i < 10; i++) loop.trigger('a', { cause: `e${i}` });
    loop.trigger('b');
    loop.trigger('a'); // no cause: the last known one stays; a's quiet period starts again, so b goes first
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((r) => [r.key, r.cause])).toEqual([['b', undefined], ['a', 'e9']]);
    expect(maxActive()).toBe(1);
  });

  it('works a full pass over thousands of keys once each, in order', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const { loop, runs, maxActive } = loopWith({ keys: async () => keys, concurrency: 4 }, () => sleep(1));
    loop.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs.map((r) => r.key)).toEqual(keys);
    expect(maxActive()).toBe(4);
    expect(loop.busy).toBe(false);
  });

  it('works different keys side by side up to its concurrency, but one key never twice at once', async () => {
    const running = new Set<string>();
    let overlap = false;
    let together = 0;
    const { loop, runs } = loopWith({ keys: async () => [], concurrency: 2 }, async ({ key }) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      together = Math.max(together, running.size);
      await sleep(50);
      running.delete(key);
    });
    loop.start();
    loop.trigger('a'); loop.trigger('b'); loop.trigger('c');
    await vi.advanceTimersByTimeAsync(20);
    loop.trigger('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(together).toBe(2);
    expect(overlap).toBe(false);
    expect(runs.map((r) => r.key).sort()).toEqual(['a', 'a', 'b', 'c']);
  });

  it('a full pass works every key once, and a failing key does not stop the others', async () => {
    const errors: string[] = [];
    const { loop, name, runs } = loopWith({ keys: async () => ['a', 'b', 'c'], onError: (k) => errors.push(k) }, async ({ key }) => {
      if (key === 'b') throw new Error('boom');
    });
    loop.trigger('c', { cause: 'cause' }); // before start: kept, merged into the start's full pass
    loop.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(runs.map((r) => [r.key, r.cause]).sort()).toEqual([['a', undefined], ['b', undefined], ['c', 'cause']]);
    expect(errors).toEqual(['b']);
    expect(await metric('fluxplane_reconcile_errors_total', name)).toBe(1);
    expect(await metric('fluxplane_reconcile_runs_total', name)).toBe(3);
  });

  it('reports a full pass whose keys cannot be listed, and carries on', async () => {
    const errors: string[] = [];
    let fail = true;
    const { loop, runs } = loopWith({ keys: async () => { if (fail) throw new Error('db down'); return ['a']; }, onError: (k) => errors.push(k), intervalMs: 1000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(errors).toEqual(['*']);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.map((r) => [r.key, r.periodic])).toEqual([['a', true]]);
  });

  it('survives a failing run, and the next trigger tries again', async () => {
    let calls = 0;
    const { loop, runs } = loopWith({}, async () => { if (++calls === 1) throw new Error('boom'); });
    loop.start();
    await vi.advanceTimersByTimeAsync(20);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(20);
    expect(runs).toHaveLength(2);
  });

  it('runs a full pass on the interval, marked periodic', async () => {
    const { loop, runs } = loopWith({ intervalMs: 1000 });
    loop.start();
    await vi.advanceTimersByTimeAsync(2050);
    expect(runs.map((r) => r.periodic)).toEqual([false, true, true]);
    await loop.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(3);
  });

  it('waits until the projections handled the triggering event', async () => {
    const projections = fakeProjections(5);
    const { loop, runs } = loopWith({ projections });
    loop.start();
    await vi.advanceTimersByTimeAsync(20);
    expect(runs).toHaveLength(1);
    loop.trigger(SINGLE_KEY, { seq: 7 });
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(1);
    expect(loop.busy).toBe(true);
    projections.advance(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
  });

  it('strict catch-up: nothing runs before the projections caught up at start', async () => {
    const { loop, runs, projections } = startedBehindProjections(true);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(0);
    expect(loop.started).toBe(false);
    projections.setCaughtUp(true);
    await vi.advanceTimersByTimeAsync(1100);
    expect(loop.started).toBe(true);
    expect(runs).toHaveLength(1);
  });

  it('bounded catch-up: starts anyway when the projections are slow', async () => {
    const { runs } = startedBehindProjections(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(runs).toHaveLength(1);
  });

  it('stop waits for the run in progress and ignores later triggers', async () => {
    let finished = false;
    const { loop, runs } = loopWith({}, async () => { await sleep(50); finished = true; });
    loop.start();
    await vi.advanceTimersByTimeAsync(15);
    loop.trigger(); // would run again, but stop drops it
    const stopped = loop.stop();
    await vi.advanceTimersByTimeAsync(50);
    await stopped;
    expect(finished).toBe(true);
    loop.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(1);
  });

  it('stop gives up waiting after waitMs', async () => {
    const { loop } = loopWith({}, () => sleep(60_000));
    loop.start();
    await vi.advanceTimersByTimeAsync(15);
    let done = false;
    void loop.stop(100).then(() => { done = true; });
    await vi.advanceTimersByTimeAsync(150);
    expect(done).toBe(true);
  });

  it('idle resolves once nothing is pending or running; the pending-keys gauge follows', async () => {
    const { loop, name } = loopWith({ keys: async () => [] }, () => sleep(30));
    loop.start();
    loop.trigger('a'); loop.trigger('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(await metric('fluxplane_reconcile_pending_keys', name)).toBe(2);
    let idle = false;
    void loop.idle().then(() => { idle = true; });
    await vi.advanceTimersByTimeAsync(45);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(idle).toBe(true);
    expect(await metric('fluxplane_reconcile_pending_keys', name)).toBe(0);
  });
});

describe('ReconcileLoop and the event loop', () => {
  it('lets I/O in while it starts many runs whose work is synchronous up to its first await', async () => {
    // 200 keys, all slots free, 5 ms of synchronous work each (a decision): one second of work.
    const busy = (ms: number) => { const until = performance.now() + ms; while (performance.now() < until) { /* a decision */ } };
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const { loop, runs } = loopWith({ keys: async () => keys, concurrency: 1000, sliceMs: 20 }, async () => { busy(5); await sleep(1); });
    // What else the process has to do meanwhile (a lease renewal, heartbeats): a timer every 5 ms.
    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => { const now = performance.now(); worstGap = Math.max(worstGap, now - last); last = now; }, 5);
    loop.start();
    await vi.waitUntil(() => runs.length === keys.length && !loop.busy, { timeout: 10_000, interval: 5 });
    clearInterval(ticker);
    await loop.stop();
    // Without slices all 200 start back to back: the timer waits the whole second.
    expect(worstGap).toBeLessThan(150);
    expect(new Set(runs.map((r) => r.key)).size).toBe(keys.length);
  });
});
