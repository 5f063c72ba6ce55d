import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KV } from '@nats-io/kv';
import { eventStoreFixture, waitUntil, type EventStoreFixture } from '@fluxplane/testkit';
import { KvLease } from '../src';

/** The lease itself, on a real JetStream KV: one holder at a time, takeover after silence, release. */
describe('KvLease', () => {
  let fx: EventStoreFixture;
  let kv: KV;
  const leases: KvLease[] = [];
  const lease = (key: string, holder: string, ttlMs = 600) => {
    const l = new KvLease(kv, key, { holder, ttlMs });
    leases.push(l);
    return l;
  };

  beforeAll(async () => {
    fx = await eventStoreFixture();
    kv = await KvLease.openBucket(fx.store.nc, 'test_leases');
  });
  afterAll(async () => {
    for (const l of leases) await l.stop().catch(() => undefined);
    await fx?.close();
  });

  it('is held by one contender; the other takes over once renewals stop, not before', async () => {
    const a = lease('k1', 'a');
    const b = lease('k1', 'b');
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    const changes: boolean[] = [];
    a.start(() => undefined);
    b.start((held) => changes.push(held));
    // a renews: b stays out for several leases
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.held).toBe(false);
    expect(a.held).toBe(true);
    // a stops renewing without releasing (a crash): b takes over after a lease of silence
    const crashedAt = Date.now();
    (a as unknown as { running: boolean }).running = false;
    await waitUntil(() => b.held, { timeoutMs: 10_000, what: 'b holding the lease' });
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(600);
    expect(changes).toEqual([true]);
    // a counts itself out by its own clock, and its next renewal fails
    await waitUntil(() => !a.held, { timeoutMs: 5_000, what: 'a out' });
    expect(await a.tryAcquire()).toBe(false);
  });

  it('is taken back at once by a restarted holder of the same name, and handed over at once on release', async () => {
    const first = lease('k2', 'replica-1', 60_000);
    expect(await first.tryAcquire()).toBe(true);
    // the same replica, restarted (a new process with the same holder name): no wait for the old lease
    const restarted = lease('k2', 'replica-1', 60_000);
    expect(await restarted.tryAcquire()).toBe(true);
    const other = lease('k2', 'replica-2', 60_000);
    expect(await other.tryAcquire()).toBe(false);
    await restarted.stop(); // releases
    expect(await other.tryAcquire()).toBe(true);
  });

  it('raises the term with every change of holder (a fencing token), never on a renewal or a restart', async () => {
    const a = lease('k3', 'a', 400);
    const b = lease('k3', 'b', 400);
    expect(await a.tryAcquire()).toBe(true);
    expect(a.term).toBe(1);
    expect(await a.tryAcquire()).toBe(true); // renewal
    expect(a.term).toBe(1);
    const restarted = lease('k3', 'a', 400); // the same replica, restarted: its own lease back, same term
    expect(await restarted.tryAcquire()).toBe(true);
    expect(restarted.term).toBe(1);
    await restarted.stop(); // released: the term stays in the entry
    expect(await b.tryAcquire()).toBe(true);
    expect(b.term).toBe(2);
    // b goes silent (a crash): a waits out a whole lease, then holds term 3
    expect(await a.tryAcquire()).toBe(false);
    await waitUntil(() => a.tryAcquire(), { timeoutMs: 5_000, intervalMs: 50, what: 'a taking over' });
    expect(a.term).toBe(3);
    expect(b.held).toBe(false); // by its own clock
    expect(b.term).toBe(0);
    expect(a.lastSeen).toMatchObject({ holder: 'a', term: 3 });
  });
});
