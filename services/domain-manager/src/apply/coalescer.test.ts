import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once for a burst, after the quiet period', async () => {
    const work = vi.fn(async () => {});
    const c = new Coalescer(work, 200, 800, () => Date.now());
    for (let i = 0; i < 10; i++) { c.trigger(); await vi.advanceTimersByTimeAsync(50); }
    expect(work).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('never waits longer than the max delay under a steady trickle', async () => {
    const work = vi.fn(async () => {});
    const c = new Coalescer(work, 200, 800, () => Date.now());
    for (let i = 0; i < 20; i++) { c.trigger(); await vi.advanceTimersByTimeAsync(100); }
    expect(work.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('runs once more when triggered during a run, and never concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    const work = vi.fn(async () => {
      active++; maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 100));
      active--;
    });
    const c = new Coalescer(work, 10, 40, () => Date.now());
    c.trigger();
    await vi.advanceTimersByTimeAsync(20);
    c.trigger(); c.trigger(); c.trigger();
    await vi.advanceTimersByTimeAsync(500);
    expect(work).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
    expect(c.busy).toBe(false);
  });

  it('survives a failing run and stops cleanly', async () => {
    const work = vi.fn(async () => { throw new Error('boom'); });
    const c = new Coalescer(work, 10);
    c.trigger();
    await vi.advanceTimersByTimeAsync(20);
    c.trigger();
    await vi.advanceTimersByTimeAsync(20);
    expect(work).toHaveBeenCalledTimes(2);
    c.trigger();
    await c.stop();
    await vi.advanceTimersByTimeAsync(50);
    expect(work).toHaveBeenCalledTimes(2);
  });
});
