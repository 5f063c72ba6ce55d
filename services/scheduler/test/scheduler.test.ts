import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Rpc, Subjects, type EventOf, type Tier } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { call } from '@fluxplane/service-kit';
import { sleep, startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { SchedulerConfig } from '../src/config';
import { SchedulerModule } from '../src/app.module';
import { foldPlacements } from '../src/domain';
import { hash, specAndView, v4Spec } from './fixtures';

describe('scheduler service', () => {
  let svc: ServiceUnderTest<SchedulerConfig>;
  let store: EventStore;
  let registered: EventOf<'AppRegistered'>;

  const placementEvents = async () => (await store.readStream(Subjects.placement('demo'))).events;
  const live = async () => [...foldPlacements(await placementEvents()).keys()].sort();
  const scheduledCount = async () => (await placementEvents()).filter((e) => e.event.type === 'InstanceScheduled').length;

  async function addNode(id: string, tier: Tier = 'CUMULUS') {
    const i = Number(id.slice(1));
    await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: `127.0.0.${10 + i}`, tier, collateralSat: 1000e8, txid: `tx${id}`, height: i })], 'any');
    await store.append(Subjects.node(id), [makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier, cores: 2, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test' })], 'any');
    // Its agent was heard (what the heartbeat monitor records on a first heartbeat): a node is up only then.
    await store.append(Subjects.node(id), [makeEvent('NodeCameBack', Subjects.node(id), { nodeId: id })], 'any');
  }

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'scheduler', configSchema: SchedulerConfig, module: (c, l) => SchedulerModule.forRoot(c, l),
      env: { SCHEDULER_RECONCILE_INTERVAL_MS: '300' },
    });
    store = svc.store;
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('places 3 instances of a new app on 3 distinct benchmarked nodes, exactly once', async () => {
    for (const id of ['n1', 'n2', 'n3', 'n4']) await addNode(id);
    // A node that never passed a benchmark is never chosen.
    await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: 'n9', ip: '127.0.0.19', tier: 'STRATUS', collateralSat: 40000e8, txid: 'tx9', height: 9 })], 'any');
    registered = makeEvent('AppRegistered', Subjects.app('Demo'), {
      name: 'Demo', hash: hash('a'), owner: '1owner', ...specAndView({ ...v4Spec({ instances: 3 }), name: 'Demo' }), txid: 'tx', height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1,
    });
    await store.append(Subjects.app('Demo'), [registered], 'any');

    await waitUntil(async () => (await live()).length === 3, { timeoutMs: 10_000, what: '3 placements' });
    await sleep(1000); // several periodic passes: nothing more may be decided
    const events = await placementEvents();
    expect(events).toHaveLength(3);
    const nodes = events.map((e) => (e.event as EventOf<'InstanceScheduled'>).data.nodeId);
    expect(new Set(nodes).size).toBe(3);
    expect(nodes.every((n) => ['n1', 'n2', 'n3', 'n4'].includes(n))).toBe(true);
    const first = events[0]!.event as EventOf<'InstanceScheduled'>;
    expect(first.data).toMatchObject({ app: 'Demo', specHash: hash('a'), components: [{ name: 'web', image: 'nginx:latest', ports: [{ host: 31000, container: 80 }], cpu: 0.5, ramMb: 500, hddGb: 5 }] });
    expect(first.data.nodeIp).toMatch(/^127\.0\.0\.1\d$/);
    // Traceable to the registration that caused it.
    expect(first.causationId).toBe(registered.id);
    expect(first.correlationId).toBe(registered.id);
  });

  it('replaces a failed instance on the remaining node', async () => {
    const before = await live();
    const spare = ['n1', 'n2', 'n3', 'n4'].find((n) => !before.includes(n))!;
    const victim = before[0]!;
    await store.append(Subjects.instance('demo', victim), [makeEvent('InstanceFailed', Subjects.instance('demo', victim), { app: 'Demo', nodeId: victim, specHash: hash('a'), error: 'image pull failed' })], 'any');

    await waitUntil(async () => { const l = await live(); return l.includes(spare) && !l.includes(victim) && l.length === 3; }, { timeoutMs: 10_000, what: 'replacement' });
    const events = (await placementEvents()).map((e) => e.event);
    expect(events.find((e) => e.type === 'InstanceUnscheduled')?.data).toMatchObject({ nodeId: victim, reason: 'instance failed' });
    expect((events.at(-1) as EventOf<'InstanceScheduled'>).data).toMatchObject({ nodeId: spare, reason: `replaces instance on ${victim} (instance failed)` });
    await sleep(700);
    // The failed node is not retried for this spec (only 3 usable nodes are left: no churn).
    expect(await scheduledCount()).toBe(4);
  });

  it('replaces the instance of a node that went down, at once', async () => {
    await addNode('n5');
    await sleep(500);
    expect(await scheduledCount()).toBe(4); // target met: a new node changes nothing
    const victim = (await live())[0]!;
    await store.append(Subjects.node(victim), [makeEvent('NodeWentDown', Subjects.node(victim), { nodeId: victim, lastSeen: new Date().toISOString() })], 'any');
    await waitUntil(async () => { const l = await live(); return l.includes('n5') && !l.includes(victim) && l.length === 3; }, { timeoutMs: 10_000, what: 'healing' });
    const events = (await placementEvents()).map((e) => e.event);
    expect(events.filter((e) => e.type === 'InstanceUnscheduled').at(-1)?.data).toMatchObject({ nodeId: victim, reason: 'node down' });
  });

  it('answers the locations query with the running instances', async () => {
    const nodes = await live();
    for (const n of nodes.slice(0, 2)) {
      await store.append(Subjects.instance('demo', n), [makeEvent('InstanceStarted', Subjects.instance('demo', n), { app: 'Demo', nodeId: n, ip: `127.0.0.${10 + Number(n.slice(1))}`, specHash: hash('a'), ports: [31000], containers: [{ component: 'web', id: 'c1' }] })], 'any');
    }
    const rows = await waitUntil(async () => { const r = await call(store.nc, Rpc.appLocations, { app: 'demo' }); return r.length === 2 && r; }, { timeoutMs: 5000, what: 'locations' });
    expect(rows.map((r) => r.ip)).toEqual(nodes.slice(0, 2).map((n) => `127.0.0.${10 + Number(n.slice(1))}`).sort());
    expect(rows[0]).toMatchObject({ name: 'Demo', hash: hash('a'), staticIp: false });
    expect(Date.parse(rows[0]!.runningSince)).not.toBeNaN();
    expect(await call(store.nc, Rpc.appLocations, {})).toHaveLength(2);
    expect(await call(store.nc, Rpc.appLocations, { app: 'other' })).toEqual([]);
  });

  it('rolls an update out on the same nodes and unschedules everything when the app expires', async () => {
    const nodes = await live();
    await store.append(Subjects.app('Demo'), [makeEvent('AppUpdated', Subjects.app('Demo'), { ...registered.data, hash: hash('b'), ...specAndView({ ...v4Spec({ instances: 3, cpu: 1 }), name: 'Demo' }) })], 'any');
    await waitUntil(async () => {
      const state = foldPlacements(await placementEvents());
      return [...state.values()].every((p) => p.specHash === hash('b')) && [...state.keys()].sort().join() === nodes.join();
    }, { timeoutMs: 10_000, what: 'rollout' });
    await store.append(Subjects.app('Demo'), [makeEvent('AppExpired', Subjects.app('Demo'), { name: 'Demo', hash: hash('b'), height: 30000 })], 'any');
    await waitUntil(async () => (await live()).length === 0, { timeoutMs: 10_000, what: 'all unscheduled' });
    expect(await call(store.nc, Rpc.appLocations, { app: 'demo' })).toEqual([]);
  });

  it('explains placement through qry.scheduler.placement: nodes ruled out per rule add up, locations come from benchmarks', async () => {
    // Two more nodes that report where they are; only the Japanese one fits an app allowed in Japan.
    for (const [id, loc] of [['n5', { continent: 'EU', country: 'CZ', region: 'Prague' }], ['n6', { continent: 'AS', country: 'JP', region: 'Tokyo' }]] as const) {
      const i = Number(id.slice(1));
      await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: `127.${i}.0.1`, tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${id}`, height: i })], 'any');
      await store.append(Subjects.node(id), [makeEvent('NodeBenchmarked', Subjects.node(id), { nodeId: id, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 8000, eps: 1000, diskWriteMbps: 500, benchVersion: 'test', geolocation: loc, staticIp: false, datacenter: false, enterprise: false })], 'any');
      // Heard: a node is up only once its agent's first heartbeat was recorded.
      await store.append(Subjects.node(id), [makeEvent('NodeCameBack', Subjects.node(id), { nodeId: id })], 'any');
    }
    const spec = { ...v4Spec({ instances: 3, version: 8 }), name: 'Tokyo', enterprise: '', geolocation: ['acAS_JP'] };
    await store.append(Subjects.app('Tokyo'), [makeEvent('AppRegistered', Subjects.app('Tokyo'), {
      name: 'Tokyo', hash: hash('c'), owner: '1owner', ...specAndView(spec), txid: 'txt', height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1,
    })], 'any');
    const e = await waitUntil(async () => { const r = await call(store.nc, Rpc.appPlacement, { app: 'tokyo' }); return r?.placed === 1 && r; }, { timeoutMs: 10_000, what: 'one instance in Japan' });
    expect(e.instances.map((i) => [i.nodeId, i.location])).toEqual([['n6', 'AS_JP_Tokyo']]);
    expect(e.instances[0]!.reason).toBe('instance 1 of 3');
    // n1–n5 are outside Japan (one of them down since an earlier test: counted as down), n9 never benchmarked, n6 hosts it.
    expect(e.totalNodes).toBe(7);
    expect(Object.fromEntries(e.ruledOut.map((r) => [r.rule, r.nodes]))).toEqual({ geolocation: 4, down: 1, benchmark: 1, 'hosts-app': 1 });
    expect(e.eligible + e.ruledOut.reduce((a, r) => a + r.nodes, 0)).toBe(e.totalNodes);
    expect(e.summary).toMatch(/0 of \d+ nodes could take another: \d+ outside the allowed geolocation/);
    // A dry run of a spec nobody registered: where it would go.
    const dry = await call(store.nc, Rpc.placementDryRun, { spec: { ...spec, name: 'Prague', geolocation: ['acEU_CZ'] } });
    expect(dry).toMatchObject({ app: 'Prague', registered: false, placed: 0, eligible: 1 });
    expect(dry.wouldPlace.map((p) => p.nodeId)).toEqual(['n5']);
    expect(await call(store.nc, Rpc.appPlacement, { app: 'nobody' })).toBeNull();
  });

  it('lists every node with its tier, location, liveness and load through qry.scheduler.nodes', async () => {
    const nodes = await call(store.nc, Rpc.networkNodes, {});
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    expect(nodes.map((n) => n.nodeId)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n9']);
    // n6 holds Tokyo's one instance (0.5 cpu = 5 tenths, 500 MB, 5 GB) and said where it is.
    expect(byId.get('n6')).toMatchObject({ tier: 'CUMULUS', location: 'AS_JP_Tokyo', up: true, benchmarkPassed: true, instances: 1, used: { cpu: 5, ram: 500, hdd: 5 } });
    expect(byId.get('n6')!.allocatable.ram).toBeGreaterThan(500);
    expect(byId.get('n9')).toMatchObject({ tier: 'STRATUS', benchmarkPassed: false, instances: 0, used: { cpu: 0, ram: 0, hdd: 0 } });
    expect(byId.get('n1')!.location).toBeUndefined();
    expect(nodes.filter((n) => !n.up)).toHaveLength(2); // the one an earlier test took down, and n9 never heard
  });
});
