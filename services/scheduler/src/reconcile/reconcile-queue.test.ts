import { describe, expect, it } from 'vitest';
import { ReconcileQueue } from './reconcile-queue';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReconcileQueue', () => {
  it('coalesces a burst per key, keeps the latest cause, and works keys one at a time', async () => {
    const calls: Array<[string, string | undefined]> = [];
    let active = 0;
    let maxActive = 0;
    const q = new ReconcileQueue<string>({
      debounceMs: 5,
      work: async (k, c) => { active++; maxActive = Math.max(maxActive, active); calls.push([k, c]); await sleep(5); active--; },
      listAll: async () => [],
      onError: () => {},
    });
    q.start();
    for (let i = 0; i < 10; i++) q.mark('a', `e${i}`);
    q.mark('b');
    await sleep(1);
    await q.idle();
    expect(calls).toEqual([['a', 'e9'], ['b', undefined]]);
    expect(maxActive).toBe(1);
    await q.stop();
  });

  it('works a key again when it is marked while being worked', async () => {
    const calls: string[] = [];
    const q = new ReconcileQueue<string>({
      debounceMs: 1,
      work: async (k) => { calls.push(k); if (calls.length === 1) q.mark('a'); await sleep(2); },
      listAll: async () => [],
      onError: () => {},
    });
    q.start();
    q.mark('a');
    await sleep(2);
    await q.idle();
    expect(calls).toEqual(['a', 'a']);
    await q.stop();
  });

  it('a full pass works every key once, and an error does not stop the others', async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const q = new ReconcileQueue<string>({
      debounceMs: 1,
      work: async (k) => { calls.push(k); if (k === 'b') throw new Error('boom'); },
      listAll: async () => ['a', 'b', 'c'],
      onError: (k) => errors.push(k),
    });
    q.mark('c', 'cause');
    q.markAll();
    q.start();
    await sleep(2);
    await q.idle();
    expect(calls.sort()).toEqual(['a', 'b', 'c']);
    expect(errors).toEqual(['b']);
    await q.stop();
  });
});
