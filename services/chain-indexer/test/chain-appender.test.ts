import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { startNats, TestNats } from '@fluxplane/testkit';
import { ChainAppender } from '../src/ingest/chain-appender';

const block = (height: number) => makeEvent('BlockIndexed', Subjects.chain(), { height, hash: `h${height}`, previousHash: height ? `h${height - 1}` : null, time: 1_700_000_000 + height, txCount: 1 });

describe('chain appender (real NATS)', () => {
  let nats: TestNats;
  let store: EventStore;

  beforeAll(async () => {
    nats = await startNats();
    store = await EventStore.connect({ servers: nats.url });
  });
  afterAll(async () => {
    await store?.close();
    await nats?.stop();
  });

  it('appends a batch pipelined, in order, and stores a repeated batch once', async () => {
    const appender = new ChainAppender(store, 2000);
    const events = Array.from({ length: 50 }, (_, i) => block(i));
    const revision = await appender.append(events, 0);
    expect(await appender.append(events.slice(1), revision)).toBe(revision); // same ids: duplicates, nothing new
    const stored = (await store.readStream(Subjects.chain())).events.map((e) => e.event.id);
    expect(stored).toEqual(events.map((e) => e.id));
    appender.close();
  });

  it('fails an append whose acknowledgements never come, naming the event, instead of waiting forever', async () => {
    const appender = new ChainAppender(store, 300);
    const revision = await store.revision(Subjects.chain());
    await nats.kill();
    try {
      const t0 = Date.now();
      const first = block(1000);
      await expect(appender.append([first, block(1001)], revision)).rejects.toThrow(`no acknowledgement for BlockIndexed ${first.id} within 300 ms`);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      appender.close();
      await nats.restart();
    }
  });
});
