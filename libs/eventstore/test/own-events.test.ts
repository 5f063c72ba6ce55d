import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, parseEvent, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { EventStore, NO_STREAM, OwnEvents, ProjectionRunner, type Projection } from '@fluxplane/eventstore';
import { eventStoreFixture, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';

const nodeEvent = (nodeId: string, eps: number) => makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
  nodeId, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 4000, eps, diskWriteMbps: 100, benchVersion: 't',
});

/** Keeps every event it is given, in order (in memory: what the runner hands over is what is checked). */
class Recording implements Projection {
  readonly name = 'recording';
  readonly subjects = ['evt.node.>'];
  readonly seen: Array<{ seq: number; event: DomainEvent }> = [];
  async apply(event: DomainEvent, _em: unknown, ctx: { seq: number }) { this.seen.push({ seq: ctx.seq, event }); }
  async reset() { this.seen.length = 0; }
}

describe('own events: validated once, when made', () => {
  it('recognises the sequences it remembered, once, and forgets the oldest beyond its capacity', () => {
    const own = new OwnEvents(2);
    own.remember(7);
    expect(own.take(8)).toBe(false);
    expect(own.take(7)).toBe(true);
    expect(own.take(7)).toBe(false); // once
    own.remember(1);
    own.remember(2);
    own.remember(3);
    expect(own.size).toBe(2);
    expect(own.take(1)).toBe(false);
    expect(own.take(3)).toBe(true);
  });

  describe('a projection that trusts its own events', () => {
    let fx: EventStoreWithDatabaseFixture;
    let other: EventStore;
    beforeAll(async () => {
      fx = await eventStoreFixture({ database: 'own' });
      other = fx.own(await EventStore.connect({ servers: fx.nats.url }));
    });
    afterAll(() => fx?.close());

    it("applies its own events as validation would have read them, and still validates (and parks) anyone else's", async () => {
      const projection = new Recording();
      const runner = new ProjectionRunner(fx.store, fx.ds, projection, { schema: 'own_test', trustOwnEvents: true });
      fx.onClose(() => runner.stop());
      const mine = [nodeEvent('own-1', 1), nodeEvent('own-1', 2)];
      let revision = NO_STREAM;
      for (const e of mine) revision = (await fx.store.append(e.subject, [e], revision)).revision;
      // A re-sent append (a lost acknowledgement): stored once, and its duplicate acknowledgement remembers nothing.
      await fx.store.append(mine[1]!.subject, [mine[1]!], 'any');
      expect(fx.store.rememberOwnEvents().size).toBe(2);
      await runner.start();
      // Another writer: a valid event, and one that breaks the contract (eps must be a number).
      await other.append(Subjects.node('own-2'), [nodeEvent('own-2', 3)], NO_STREAM);
      const forged = { ...nodeEvent('own-2', 4), data: { ...nodeEvent('own-2', 4).data, eps: 'fast' } };
      await other.js.publish(forged.subject, JSON.stringify(forged), { msgID: forged.id });
      await runner.catchUp(10_000);
      await waitUntil(async () => (await runner.parked()).length === 1, { timeoutMs: 10_000, what: 'the forged event parked' });
      expect(projection.seen.map((s) => (s.event.type === 'NodeBenchmarked' ? s.event.data.eps : -1))).toEqual([1, 2, 3]);
      // What the trusted path handed over is what validating the stored bytes gives.
      for (const { seq, event } of projection.seen) {
        const stored = await fx.store.jsm.streams.getMessage(fx.store.stream, { seq });
        expect(event).toEqual(parseEvent(stored!.json()));
      }
      // Every sequence of this process's appends was matched and forgotten.
      expect(fx.store.rememberOwnEvents().size).toBe(0);
    });
  });
});
