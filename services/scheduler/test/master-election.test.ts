import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import { makeEvent, MASTER_LEASES_BUCKET, masterLeaseKey, Signals, Subjects, type EventOf, type SyncStatusSignal } from '@fluxplane/contracts';
import { createLogger } from '@fluxplane/service-kit';
import { startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { SchedulerConfig } from '../src/config';
import { SchedulerModule } from '../src/app.module';
import { foldPlacements } from '../src/domain';
import { ClusterState } from '../src/domain';
import { SyncStatusView } from '../src/signals/sync-status-view';
import { MasterLeaseWatch } from '../src/adapters/master-lease-watch';
import { MasterElector } from '../src/reconcile/master-elector';
import { hash, specAndView, v4Spec } from './fixtures';

const LEASE_MS = 1500;
const MARGIN_MS = 500;
const DEVICE = 'AAAAAAA-BBBBBBB-CCCCCCC-DDDDDDD-EEEEEEE-FFFFFFF-GGGGGGG-HHHHHHH';
const NODES = ['n1', 'n2', 'n3', 'n4'];
const ipOf = (id: string) => `127.${id.slice(1)}.0.1`;

/**
 * The g: master election against real NATS (events, signals, KV) and Postgres: the test plays the
 * node agents (heartbeats, sync reports, lease renewals) of an app whose component keeps `g:` data.
 */
describe('g: master election', () => {
  let svc: ServiceUnderTest<SchedulerConfig>;
  let kv: KV;
  const timers: NodeJS.Timeout[] = [];
  /** Nodes whose "agent" is alive, and how stale each one's last complete sync is (ms). */
  const alive = new Map<string, number>();
  let leaseHolder: { nodeId: string; term: number } | null = null;
  let lastRenewal = 0;

  const masters = async (app: string) => (await svc.store.readStream(Subjects.master(app))).events.map((e) => e.event as EventOf<'MasterElected'>);
  const placed = async (app: string) => [...foldPlacements((await svc.store.readStream(Subjects.placement(app))).events).keys()].sort();

  function syncReport(nodeId: string, app: string, staleMs: number): SyncStatusSignal {
    const now = Date.now();
    return {
      nodeId, deviceId: DEVICE, at: new Date(now).toISOString(),
      folders: [{
        folderId: `fluxweb_${app}`, app, component: 'web', syncMode: 'g', type: 'sendreceive', state: 'idle', completion: 100,
        needBytes: 0, needItems: 0, localItems: 1, localBytes: 10, globalItems: 1, globalBytes: 10, lastCompleteAt: new Date(now - staleMs).toISOString(),
      }],
    };
  }

  async function register(app: string) {
    for (const [i, id] of NODES.entries()) {
      await svc.store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: ipOf(id), tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${app}${id}`, height: i + 1 })], 'any');
      await svc.store.append(Subjects.node(id), [makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test' })], 'any');
    }
    await svc.store.append(Subjects.app(app), [makeEvent('AppRegistered', Subjects.app(app), {
      name: app, hash: hash('a'), owner: '1owner', ...specAndView({ ...v4Spec({ instances: 3, containerData: 'g:/data' }), name: app }), txid: `tx${app}`, height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1,
    })], 'any');
  }

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'schedmaster', configSchema: SchedulerConfig, module: (c, l) => SchedulerModule.forRoot(c, l),
      env: { SCHEDULER_RECONCILE_INTERVAL_MS: '300', NODE_DOWN_AFTER_MS: '1000', MASTER_LEASE_MS: String(LEASE_MS), MASTER_LEASE_MARGIN_MS: String(MARGIN_MS), MASTER_SYNC_FRESH_MS: '3000' },
    });
    kv = await new Kvm(svc.store.nc).create(MASTER_LEASES_BUCKET, { history: 1 });
    // Every node's agent runs from the start (a node is up only once heard), none in sync for any app yet.
    for (const id of NODES) alive.set(id, 99_999);
    // The agents: heartbeats every 200 ms, sync reports of the `ha` app every 300 ms, the master's lease every 500 ms.
    timers.push(setInterval(() => {
      for (const id of alive.keys()) svc.store.nc.publish(Signals.heartbeat(id), JSON.stringify({ nodeId: id, ip: ipOf(id), at: new Date().toISOString() }));
    }, 200));
    timers.push(setInterval(() => {
      for (const [id, stale] of alive) svc.store.nc.publish(Signals.syncStatus(id), JSON.stringify(syncReport(id, 'ha', stale)));
    }, 300));
    timers.push(setInterval(() => {
      if (!leaseHolder || !alive.has(leaseHolder.nodeId)) return;
      void kv.put(masterLeaseKey('ha', 'web'), JSON.stringify({ app: 'ha', component: 'web', ...leaseHolder, renewedAt: new Date().toISOString(), leaseMs: LEASE_MS }))
        .then(() => { lastRenewal = Date.now(); });
    }, 500));
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    await svc?.close();
  });

  it('elects a first master (term 1): the instance whose folder was complete most recently', async () => {
    await register('ha');
    const nodes = await waitUntil(async () => { const p = await placed('ha'); return p.length === 3 && p; }, { timeoutMs: 10_000, what: '3 placements' });
    // Only the placed nodes report their folder; the first one is the most recently complete.
    for (const [i, id] of nodes.entries()) alive.set(id, i * 100);
    for (const id of NODES.filter((n) => !nodes.includes(n))) alive.set(id, 99_999); // up, never in sync for this app (no folder yet)

    const [first] = await waitUntil(async () => { const m = await masters('ha'); return m.length > 0 && m; }, { timeoutMs: 10_000, what: 'a master' });
    expect(first!.data).toMatchObject({ app: 'ha', component: 'web', nodeId: nodes[0], term: 1, reason: 'first master', leaseMs: LEASE_MS });
    leaseHolder = { nodeId: first!.data.nodeId, term: 1 };
    await new Promise((r) => setTimeout(r, 1000));
    expect(await masters('ha')).toHaveLength(1); // a master that serves is kept
  });

  it('moves the master to another in-sync instance when its node goes down, only after lease + margin from its last renewal', async () => {
    const [m1] = await masters('ha');
    const nodes = await placed('ha');
    const others = nodes.filter((n) => n !== m1!.data.nodeId);
    await waitUntil(() => lastRenewal > 0, { timeoutMs: 5000, what: 'a lease renewal' });
    alive.delete(m1!.data.nodeId); // SIGKILL: no heartbeat, no renewal from now on
    const killedAt = Date.now();
    const term2 = await waitUntil(async () => (await masters('ha')).find((e) => e.data.term === 2), { timeoutMs: 15_000, what: 'term 2' });
    const electedAt = Date.parse(term2.time);
    expect(others).toContain(term2.data.nodeId);
    expect(term2.data.nodeId).toBe(others[0]); // the more recently complete of the two others
    expect(term2.data.reason).toMatch(/^master (node down|unscheduled)/);
    expect(electedAt - lastRenewal).toBeGreaterThanOrEqual(LEASE_MS + MARGIN_MS);
    expect(electedAt - killedAt).toBeLessThan(5000);
    expect((await masters('ha')).map((e) => e.data.term)).toEqual([1, 2]);
  });

  it('two electors racing on one store never append two masters for one term', async () => {
    const repo = svc.app.get(ClusterState);
    const logger = createLogger('elector-test', 'silent');
    const electors = [0, 1].map(() => {
      const sync = new SyncStatusView(svc.store, logger);
      const leases = new MasterLeaseWatch(svc.store, logger);
      return { sync, elector: new MasterElector(svc.store, repo, sync, leases, svc.config, logger) };
    });
    const apps = ['race0', 'race1', 'race2', 'race3', 'race4'];
    for (const app of apps) await register(app);
    for (const app of apps) await waitUntil(async () => (await placed(app)).length === 3, { timeoutMs: 10_000, what: `${app} placed` });
    // Only these two electors hear the sync reports of the race apps (the service's own never does).
    // The two electors heard different reports (elector 0: the first placed node is the most
    // recently complete; elector 1: the last one), so they decide differently: distinct events, and
    // only the expected revision keeps a second master out of term 1. A node reports all its folders in one signal.
    for (const [k, e] of electors.entries()) {
      const reports = new Map<string, SyncStatusSignal>();
      for (const app of apps) {
        for (const [i, id] of (await placed(app)).entries()) {
          const r = syncReport(id, app, k === 0 ? i * 10 : 100 - i * 10);
          const prev = reports.get(id);
          reports.set(id, prev ? { ...prev, folders: [...prev.folders, ...r.folders] } : r);
        }
      }
      for (const r of reports.values()) e.sync.received(r);
    }

    const results = await Promise.all(apps.flatMap((app) => electors.map((e) => e.elector.electApp(app))));
    for (const app of apps) {
      const terms = (await masters(app)).map((e) => e.data.term);
      expect(terms).toEqual([1]);
    }
    // Exactly one of the two electors won each app; the loser's append was refused, it re-read and kept the winner.
    expect(results.reduce((n, r) => n + r.elected.length, 0)).toBe(apps.length);
    for (const [i, app] of apps.entries()) {
      const winner = results.slice(2 * i, 2 * i + 2).flatMap((r) => r.elected);
      expect(winner).toHaveLength(1);
      expect((await masters(app))[0]!.data.nodeId).toBe(winner[0]!.nodeId);
    }
  });
});
