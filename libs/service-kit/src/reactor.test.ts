import { describe, expect, it } from 'vitest';
import { Reactor } from './reactor';
import { createLogger } from './logger';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger('reactor-test', 'silent');

describe('Reactor', () => {
  it('coalesces a burst of pokes into one run, and a poke during a run into exactly one more', async () => {
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const r = new Reactor('t', async () => {
      runs++; active++; maxActive = Math.max(maxActive, active);
      await sleep(40);
      active--;
    }, { intervalMs: 60_000, debounceMs: 10, logger });
    r.start(); // runs once at start
    await sleep(5);
    for (let i = 0; i < 20; i++) r.poke(); // during the first run: one more
    await sleep(150);
    expect(runs).toBe(2);
    for (let i = 0; i < 20; i++) r.poke(); // idle: one debounced run
    await sleep(150);
    expect(runs).toBe(3);
    expect(maxActive).toBe(1);
    await r.stop();
  });

  it('survives a failing run and tries again on the next poke', async () => {
    let calls = 0;
    const r = new Reactor('t', async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    }, { intervalMs: 60_000, debounceMs: 1, logger });
    r.start();
    await sleep(20);
    r.poke();
    await sleep(20);
    expect(calls).toBe(2);
    await r.stop();
  });

  it('stop waits for the run in progress and ignores later pokes', async () => {
    let finished = false;
    let runs = 0;
    const r = new Reactor('t', async () => { runs++; await sleep(50); finished = true; }, { intervalMs: 60_000, logger });
    r.start();
    await sleep(5);
    await r.stop();
    expect(finished).toBe(true);
    r.poke(0);
    await sleep(20);
    expect(runs).toBe(1);
  });
});
