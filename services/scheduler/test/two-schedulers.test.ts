import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kvm, type KV } from '@nats-io/kv';
import { makeEvent, Signals, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { createTestDatabase, freePort, sleep, startNats, waitUntil, type TestDatabase, type TestNats } from '@fluxplane/testkit';
import { foldPlacements } from '../src/domain';
import { LEADER_BUCKET, LEADER_KEY } from '../src/reconcile/leadership.service';
import { hash, specAndView, v4Spec } from './fixtures';

const MAIN = resolve(__dirname, '../dist/main.js');
const NODES = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
const LEASE_MS = 1000;
const MARGIN_MS = 300;

interface Proc { id: string; child: ChildProcess; log: string }

/**
 * Two real scheduler processes on one event store: one active, one standing by. The active one is
 * killed, then the next one is paused (SIGSTOP, as a long GC pause or a partition would) and
 * resumed. Every decision carries the term of the lease it was made under; in stream order the
 * terms never go back, so two schedulers never decided at the same time, and the paused one
 * appended nothing once deposed.
 */
describe('two schedulers, one active', () => {
  let nats: TestNats;
  let store: EventStore;
  let kv: KV;
  const dbs: TestDatabase[] = [];
  const procs: Proc[] = [];
  const apps: string[] = [];
  let beat: NodeJS.Timeout | undefined;

  async function startScheduler(id: string): Promise<Proc> {
    const db = await createTestDatabase(`sched${id}`);
    dbs.push(db);
    const log = join(tmpdir(), `fluxplane-two-schedulers-${id}-${process.pid}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env, NATS_URL: nats.url, DATABASE_URL: db.url, HTTP_PORT: String(await freePort()), LOG_LEVEL: 'info',
        SCHEDULER_ID: id, SCHEDULER_LEASE_MS: String(LEASE_MS), SCHEDULER_LEASE_MARGIN_MS: String(MARGIN_MS),
        SCHEDULER_RECONCILE_INTERVAL_MS: '500', NODE_DOWN_AFTER_MS: '1500', NODE_BACK_AFTER_MS: '1000',
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const p = { id, child, log };
    procs.push(p);
    return p;
  }

  const holder = async () => {
    const e = await kv.get(LEADER_KEY);
    return e?.operation === 'PUT' ? (e.json() as { holder: string; term: number; released?: boolean }) : null;
  };

  async function registerApp(name: string) {
    apps.push(name);
    await store.append(Subjects.app(name), [makeEvent('AppRegistered', Subjects.app(name), {
      name, hash: hash('a'), owner: '1owner', ...specAndView({ ...v4Spec({ instances: 3, ram: 300 }), name }), txid: `tx${name}`, height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1,
    })], 'any');
  }

  /** Every scheduler decision in stream order, with the term it was made under. */
  async function decisions(): Promise<Array<{ seq: number; term: number | undefined; type: string }>> {
    const subjects = [...apps.map((a) => Subjects.placement(a)), ...NODES.map((n) => Subjects.node(n))];
    const out: Array<{ seq: number; term: number | undefined; type: string }> = [];
    for (const s of subjects) {
      for (const e of (await store.readStream(s)).events) {
        const ev = e.event as DomainEvent;
        if (ev.type === 'NodeBenchmarked') continue;
        out.push({ seq: e.seq, term: ev.leaderTerm, type: ev.type });
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  const placedAll = async () => {
    for (const a of apps) if (foldPlacements((await store.readStream(Subjects.placement(a))).events).size !== 3) return false;
    return true;
  };

  beforeAll(async () => {
    nats = await startNats();
    store = await EventStore.connect({ servers: nats.url });
    kv = await new Kvm(store.nc).create(LEADER_BUCKET, { history: 1 });
    for (const [i, id] of NODES.entries()) {
      await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: `127.${40 + i}.0.1`, tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${id}`, height: i + 1 })], 'any');
      await store.append(Subjects.node(id), [makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier: 'CUMULUS', cores: 4, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test' })], 'any');
    }
    beat = setInterval(() => {
      for (const [i, id] of NODES.entries()) store.nc.publish(Signals.heartbeat(id), JSON.stringify({ nodeId: id, ip: `127.${40 + i}.0.1`, at: new Date().toISOString() }));
    }, 200);
  }, 60_000);

  afterAll(async () => {
    clearInterval(beat);
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
    }
    await store?.close();
    for (const db of dbs) await db.drop().catch(() => undefined);
    await nats?.stop();
  });

  it('one decides, the other takes over within seconds of its death, and a paused one appends nothing once deposed', async () => {
    const a = await startScheduler('a');
    await waitUntil(async () => (await holder())?.holder === 'a', { timeoutMs: 30_000, what: 'a active' });
    await startScheduler('b');
    for (let i = 0; i < 4; i++) await registerApp(`app${i}`);
    await waitUntil(placedAll, { timeoutMs: 30_000, intervalMs: 200, what: 'apps placed by a' });
    await sleep(1500); // b is up and standing by

    // The active one dies: the standby takes over within lease + margin + a poll, and carries on.
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    const b = procs.find((p) => p.id === 'b')!;
    const lease = await waitUntil(async () => { const h = await holder(); return h?.holder === 'b' && h; }, { timeoutMs: 15_000, intervalMs: 50, what: 'b active' });
    const takeoverMs = Date.now() - killedAt;
    expect(lease.term).toBe(2);
    expect(takeoverMs).toBeLessThan(10_000); // generous: lease 1 s + margin 0.3 s + polls
    for (let i = 4; i < 8; i++) await registerApp(`app${i}`);
    await waitUntil(placedAll, { timeoutMs: 30_000, intervalMs: 200, what: 'apps placed by b' });

    // A new standby; then the active one is paused (its lease lapses) while work keeps arriving.
    await startScheduler('c');
    await sleep(3000);
    b.child.kill('SIGSTOP');
    for (let i = 8; i < 12; i++) await registerApp(`app${i}`);
    const lease3 = await waitUntil(async () => { const h = await holder(); return h?.holder === 'c' && h; }, { timeoutMs: 15_000, intervalMs: 50, what: 'c active' });
    expect(lease3.term).toBe(3);
    await waitUntil(placedAll, { timeoutMs: 30_000, intervalMs: 200, what: 'apps placed by c' });
    // b resumes with whatever it had in flight; its lease has lapsed by its own clock, its renewal fails.
    b.child.kill('SIGCONT');
    await waitUntil(() => readFileSync(b.log, 'utf8').includes('lost the leader lease'), { timeoutMs: 10_000, what: 'b deposed' });
    for (let i = 12; i < 14; i++) await registerApp(`app${i}`);
    await waitUntil(placedAll, { timeoutMs: 30_000, intervalMs: 200, what: 'apps placed after b resumed' });
    await sleep(1500);

    const ds = await decisions();
    // Every decision carries its term, and in stream order terms never go back: no two schedulers
    // ever decided at the same time, and nothing of term 2 landed after term 3 began.
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((d) => typeof d.term === 'number' && d.term >= 1)).toBe(true);
    for (let i = 1; i < ds.length; i++) expect(ds[i]!.term!).toBeGreaterThanOrEqual(ds[i - 1]!.term!);
    expect(new Set(ds.map((d) => d.term))).toEqual(new Set([1, 2, 3]));
    // And every app has exactly its 3 instances, on distinct nodes.
    for (const app of apps) expect(foldPlacements((await store.readStream(Subjects.placement(app))).events).size).toBe(3);
    expect((await holder())?.holder).toBe('c');
  }, 180_000);
});
