import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type TestNats } from '@fluxplane/testkit';
import { EventStore } from '../src';

/**
 * Every service of a new deployment starts at once and each makes sure the event stream exists: they
 * all find none and all add it. The server may refuse an add while another is under way ("subjects
 * overlap with an existing stream"); the store must then find the stream made by the other and go on.
 */
describe('the event stream created by many processes at once', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats?.stop());

  it('every connect succeeds, on a fresh stream each round', async () => {
    for (let round = 0; round < 5; round++) {
      const stream = `RACE_${round}`;
      const results = await Promise.allSettled(Array.from({ length: 8 }, () =>
        EventStore.connect({ servers: nats.url, stream, subjects: [`race${round}.>`] })));
      expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
      for (const r of results) if (r.status === 'fulfilled') await r.value.close();
    }
  });
});

/** The same for the KV buckets (leases, devices, sessions): services open them at once on a new deployment. */
describe('a KV bucket opened by many processes at once', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(() => nats?.stop());

  it('every open succeeds and they all see one bucket, on a fresh bucket each round', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, () => EventStore.connect({ servers: nats.url, stream: 'KVRACE', subjects: ['kvrace.>'] })));
    try {
      for (let round = 0; round < 5; round++) {
        const results = await Promise.allSettled(stores.map((s) => s.openKv(`race_${round}`)));
        expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
        const [first, ...rest] = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<EventStore['openKv']>>>).value);
        await first!.put('k', 'v');
        for (const kv of rest) expect((await kv.get('k'))?.string()).toBe('v');
      }
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
