import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { makeEvent, PROJECTION_LEASES_BUCKET, Subjects } from '@fluxplane/contracts';
import { eventStoreFixture, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import { ANY } from '../src';

/**
 * Two replicas of one projection (each its own process, on real NATS and Postgres): only the lease
 * holder applies; SIGKILLed mid-stream, the other takes over within seconds from the checkpoint, and
 * every event is applied exactly once (one ledger row per event, checkpoint at the last sequence).
 */
describe('projection runner replicas share one lease', () => {
  const LEASE_MS = 1_500;
  const script = join(__dirname, 'fixtures/lease-runner.cjs');
  let fx: EventStoreWithDatabaseFixture;
  const children = new Map<string, ChildProcess>();

  const startReplica = async (holder: string) => {
    const child = spawn(process.execPath, [script, fx.nats.url, fx.db.url, fx.store.stream, holder, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(holder, child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`replica ${holder} exited: ${out}`);
      return out.includes('started');
    }, { timeoutMs: 30_000, what: `replica ${holder} started` });
  };
  const holderNow = async () => {
    const kv = await new Kvm(fx.store.nc).open(PROJECTION_LEASES_BUCKET);
    const e = await kv.get('lease_test.ledger');
    return e?.operation === 'PUT' ? (e.json<{ holder: string }>()).holder : undefined;
  };
  const ledger = async () => fx.ds.query('SELECT seq::int AS seq, holder FROM lease_test.ledger ORDER BY seq') as Promise<Array<{ seq: number; holder: string }>>;

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '../dist/index.js'))) throw new Error('libs/eventstore/dist missing: run `npm run build` first (the replicas run the built library)');
    fx = await eventStoreFixture({ database: 'lease' });
  });

  afterAll(async () => {
    for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fx?.close();
  });

  it('the standby takes over the killed holder mid-stream; every event applied exactly once', async () => {
    let appended = 0;
    let writing = true;
    const append = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const name = `app${appended % 7}`;
        await fx.store.append(Subjects.app(name), [makeEvent('AppExpired', Subjects.app(name), { name, hash: 'c'.repeat(64), height: appended })], ANY);
        appended++;
      }
    };
    await append(200);
    await startReplica('a');
    await startReplica('b');
    expect(await holderNow()).toBe('a');
    // the writer keeps going through the kill
    const writer = (async () => { while (writing) { await append(20); await new Promise((r) => setTimeout(r, 100)); } })();

    await waitUntil(async () => (await ledger()).length >= 150, { timeoutMs: 30_000, what: '150 events applied by a' });
    const before = await ledger();
    expect(new Set(before.map((r) => r.holder))).toEqual(new Set(['a']));
    children.get('a')!.kill('SIGKILL');
    const killedAt = Date.now();

    await waitUntil(async () => (await ledger()).some((r) => r.holder === 'b'), { timeoutMs: 30_000, what: 'b applying after a was killed' });
    const takeoverMs = Date.now() - killedAt;
    expect(await holderNow()).toBe('b');
    // behaviour, not speed: within a few leases of the kill
    expect(takeoverMs).toBeLessThan(LEASE_MS * 6);

    writing = false;
    await writer;
    const last = await fx.store.lastSequence();
    await waitUntil(async () => {
      const rows: Array<{ position: string }> = await fx.ds.query("SELECT position FROM lease_test.projection_checkpoints WHERE name = 'ledger'");
      return Number(rows[0]?.position ?? 0) === last;
    }, { timeoutMs: 60_000, what: `the checkpoint at ${last}` });

    const rows = await ledger();
    const seqs = rows.map((r) => r.seq);
    expect(seqs.length).toBe(appended); // every event once: no gap, no second application
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(await fx.ds.query('SELECT count(*)::int AS n FROM lease_test.parked_events')).toEqual([{ n: 0 }]);
    process.stdout.write(`lease takeover: ${JSON.stringify({ events: appended, byA: rows.filter((r) => r.holder === 'a').length, byB: rows.filter((r) => r.holder === 'b').length, takeoverMs })}\n`);
  }, 180_000);
});
