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
