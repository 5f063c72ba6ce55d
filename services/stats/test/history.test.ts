import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_KINDS, makeEvent, Rpc, Subjects, type ActivityCounts, type DomainEvent, type NetworkFigures, type StatsSample } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { call, ProjectionHost } from '@fluxplane/service-kit';
import { startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { StatsConfig } from '../src/config';
import { StatsModule } from '../src/app.module';

const INTERVAL_MS = 200;
const H = 'a'.repeat(64);

/*
 * The events of a small network, and the figures they imply, worked out by hand from the protocol's
 * tier capacities minus what a node locks for itself (flux-spec): CUMULUS 3 cores, 5000 MB, 160 GB
 * for apps; NIMBUS 7, 28000, 380; STRATUS 15, 59000, 820. Each instance of `demo` claims 0.5 core,
 * 500 MB and 5 GB.
 */
const registered = (nodeId: string, tier: 'CUMULUS' | 'NIMBUS' | 'STRATUS', i: number) =>
  makeEvent('NodeRegistered', Subjects.chain(), { nodeId, ip: `127.0.0.${11 + i}`, tier, collateralSat: 1, txid: `t${i}`, height: i });
const benchmarked = (nodeId: string, passed: boolean, tier: 'CUMULUS' | null, fluxVersion: string, country?: string) =>
  makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
    nodeId, passed, tier, cores: 4, ramMb: 8000, eps: 300, diskWriteMbps: 200, benchVersion: 'b1', fluxVersion,
    ...(country ? { geolocation: { continent: 'EU', country, region: 'Somewhere' } } : {}),
  });
const spec = { name: 'demo', instances: 2 };
const appRegistered = () => makeEvent('AppRegistered', Subjects.app('demo'), {
  name: 'demo', hash: H, owner: 'o', spec, runtime: runtimeView(spec), txid: 'tx', height: 5, expireBlocks: 22000, expiresAtHeight: 22005, timestamp: 1, signature: 's', amountSat: 1,
});
const scheduled = (nodeId: string) => makeEvent('InstanceScheduled', Subjects.placement('demo'), {
  app: 'demo', nodeId, nodeIp: '127.0.0.1', specHash: H, reason: 'test',
  components: [{ name: 'web', image: 'img', ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 0.5, ramMb: 500, hddGb: 5 }],
});
const started = (nodeId: string) => makeEvent('InstanceStarted', Subjects.instance('demo', nodeId), { app: 'demo', nodeId, ip: '127.0.0.1', specHash: H, ports: [], containers: [] });
const elected = (nodeId: string, term: number, time?: Date) =>
  makeEvent('MasterElected', Subjects.master('demo'), { app: 'demo', component: 'db', nodeId, term, reason: 'test', leaseMs: 1000 }, time ? { time } : {});

/** Made when fed: an event's time says which interval its activity belongs to. */
const network1 = (): DomainEvent[] => [
  registered('n0', 'CUMULUS', 0), registered('n1', 'CUMULUS', 1), registered('n2', 'NIMBUS', 2), registered('n3', 'STRATUS', 3),
  benchmarked('n0', true, 'CUMULUS', 'v1', 'CZ'), benchmarked('n1', true, 'CUMULUS', 'v1', 'DE'), benchmarked('n2', false, null, 'v2'),
  appRegistered(), scheduled('n0'), scheduled('n1'), started('n0'), started('n1'),
];
const nimbusFree = { cpu: { used: 0, free: 7 }, ramMb: { used: 0, free: 28000 }, hddGb: { used: 0, free: 380 } };
const figures1: NetworkFigures = {
  nodes: {
    total: 4, up: 4, down: 0, byTier: { CUMULUS: 2, NIMBUS: 1, STRATUS: 1 }, upByTier: { CUMULUS: 2, NIMBUS: 1, STRATUS: 1 },
    byBenchmark: { CUMULUS: 2, failed: 1, pending: 1 }, byVersion: { v1: 2, v2: 1, unknown: 1 }, byCountry: { CZ: 1, DE: 1, unknown: 2 },
  },
  apps: { total: 1 },
  instances: { running: 2, scheduled: 0, failed: 0, stopped: 0 },
  resources: {
    CUMULUS: { cpu: { used: 1, free: 5 }, ramMb: { used: 1000, free: 9000 }, hddGb: { used: 10, free: 310 } },
    NIMBUS: nimbusFree,
    STRATUS: { cpu: { used: 0, free: 15 }, ramMb: { used: 0, free: 59000 }, hddGb: { used: 0, free: 820 } },
  },
};

// n1 dies: its instance failed, the scheduler moves it to n3, which starts it; `demo`'s `g:` component gets a master, then another.
const network2 = (): DomainEvent[] => [
  makeEvent('InstanceFailed', Subjects.instance('demo', 'n1'), { app: 'demo', nodeId: 'n1', specHash: H, error: 'container exited' }),
  makeEvent('NodeWentDown', Subjects.node('n1'), { nodeId: 'n1', lastSeen: new Date().toISOString() }),
  makeEvent('InstanceUnscheduled', Subjects.placement('demo'), { app: 'demo', nodeId: 'n1', reason: 'node down' }),
  scheduled('n3'), started('n3'), elected('n0', 1), elected('n3', 2),
];
const figures2: NetworkFigures = {
  ...figures1,
  nodes: { ...figures1.nodes, up: 3, down: 1, upByTier: { CUMULUS: 1, NIMBUS: 1, STRATUS: 1 } },
  instances: { running: 2, scheduled: 0, failed: 0, stopped: 0 },
  resources: {
    CUMULUS: { cpu: { used: 0.5, free: 2.5 }, ramMb: { used: 500, free: 4500 }, hddGb: { used: 5, free: 155 } },
    NIMBUS: nimbusFree,
    STRATUS: { cpu: { used: 0.5, free: 14.5 }, ramMb: { used: 500, free: 58500 }, hddGb: { used: 5, free: 815 } },
  },
};
const activityOfAll: ActivityCounts = { started: 3, failed: 1, moved: 1, masterElections: 2, masterChanges: 1 };

const figuresOf = (s: StatsSample): NetworkFigures => {
  const { at: _a, activity: _b, ...f } = s;
  return f;
};
const sumActivity = (samples: StatsSample[]): ActivityCounts =>
  Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, samples.reduce((a, s) => a + s.activity[k], 0)])) as ActivityCounts;

describe('stats history', () => {
  let svc: ServiceUnderTest<StatsConfig>;
  const t0 = Date.now();

  const history = (q: { from?: number; to?: number; maxSamples?: number } = {}) => call(svc.store.nc, Rpc.statsHistory, { from: t0 - 1000, ...q });
  /** Appends, waits for the projection, then for the first sample taken after that (its figures are of the events). */
  async function feed(events: DomainEvent[]): Promise<StatsSample> {
    for (const e of events) await svc.store.append(e.subject, [e], 'any');
    await svc.app.get(ProjectionHost).catchUp();
    const caught = Date.now();
    return waitUntil(async () => (await history()).samples.find((s) => s.at > caught), { what: 'a sample after the events', timeoutMs: 10_000, intervalMs: 50 });
  }

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'statshist', configSchema: StatsConfig, module: (c, l) => StatsModule.forRoot(c, l),
      env: { STATS_SAMPLE_INTERVAL_MS: String(INTERVAL_MS) },
    });
    // From the first sample on, every interval has one: the events fed after it all count.
    await waitUntil(async () => (await history()).samples.length > 0, { what: 'the first sample', timeoutMs: 10_000, intervalMs: 50 });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('samples the figures the events imply, and counts the activity of each interval by the events', async () => {
    const first = await feed(network1());
    expect(figuresOf(first)).toEqual(figures1);
    const second = await feed(network2());
    expect(figuresOf(second)).toEqual(figures2);

    const h = await history();
    expect(h.intervalS).toBe(INTERVAL_MS / 1000);
    const ats = h.samples.map((s) => s.at);
    // One sample per instant, none missed since the first.
    expect(ats.every((at, i) => at % INTERVAL_MS === 0 && (i === 0 || at - ats[i - 1]! === INTERVAL_MS))).toBe(true);
    expect(sumActivity(h.samples)).toEqual(activityOfAll);

    // The same over the bus's other answers: the metrics, the tier history, the sample times, the nodes.
    const metrics = await (await fetch(`${svc.base}/metrics`)).text();
    expect(metrics).toMatch(/^fluxplane_stats_nodes\{tier="CUMULUS",state="down"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^fluxplane_stats_instances\{state="running"[^}]*\} 2$/m);
    expect(metrics).toMatch(/^fluxplane_stats_resources\{tier="STRATUS",resource="cpu",kind="free"[^}]*\} 14.5$/m);
    expect(metrics).toMatch(/^fluxplane_stats_activity_total\{kind="moved"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^fluxplane_stats_activity_total\{kind="masterChanges"[^}]*\} 1$/m);
    const tiers = await call(svc.store.nc, Rpc.statsTierHistory, { from: t0 - 1000 });
    expect(tiers.at(-1)).toMatchObject({ CUMULUS: 2, NIMBUS: 1, STRATUS: 1 });
    const times = await call(svc.store.nc, Rpc.statsSampleTimes, {});
    expect(times.slice(0, ats.length)).toEqual(ats);
    const nodes = await call(svc.store.nc, Rpc.statsNodes, {});
    expect(nodes.map((n) => [n.nodeId, n.tier, n.up, n.benchmark.status, n.geolocation?.countryCode ?? null, n.instances])).toEqual([
      ['n0', 'CUMULUS', true, 'CUMULUS', 'CZ', 1], ['n1', 'CUMULUS', false, 'CUMULUS', 'DE', 0], ['n2', 'NIMBUS', true, 'failed', null, 0], ['n3', 'STRATUS', true, 'pending', null, 1],
    ]);
  });

  it("puts an event into the interval of its own time, even when it arrives after the sample: [at - interval, at)", async () => {
    const before = await history();
    const target = before.samples.at(-3)!;
    const next = before.samples.at(-2)!;
    expect(next.at - target.at).toBe(INTERVAL_MS);
    // A late election inside the target's interval, and one at the target's instant (the next interval's first).
    for (const e of [elected('n0', 3, new Date(target.at - 1)), elected('n3', 4, new Date(target.at))]) await svc.store.append(e.subject, [e], 'any');
    await svc.app.get(ProjectionHost).catchUp();
    const after = await history();
    const find = (at: number) => after.samples.find((s) => s.at === at)!;
    expect(find(target.at).activity).toEqual({ ...target.activity, masterElections: target.activity.masterElections + 1, masterChanges: target.activity.masterChanges + 1 });
    expect(find(next.at).activity).toEqual({ ...next.activity, masterElections: next.activity.masterElections + 1, masterChanges: next.activity.masterChanges + 1 });
  });

  it('thins a long range to maxSamples with the same activity, and refuses a range that ends before it begins', async () => {
    // At least 4 samples, so there is something to thin (a loaded machine may have sampled fewer yet).
    const to = (await waitUntil(async () => {
      const h = await history();
      return h.samples.length >= 4 && h;
    }, { what: '4 samples', timeoutMs: 10_000, intervalMs: 100 })).samples.at(-1)!.at;
    // A late sampler fills instants it missed (a loaded machine): read both answers between two equal
    // reads of the range, so they speak of the same samples.
    const { all, thin } = await waitUntil(async () => {
      const before = await history({ to });
      const thinned = await history({ to, maxSamples: 3 });
      const after = await history({ to });
      return JSON.stringify(before) === JSON.stringify(after) && { all: after, thin: thinned };
    }, { what: 'a settled range of samples' });
    // Groups of k = ceil(n / 3) consecutive samples: at most 3 of them (4 samples make 2 groups of 2).
    expect(all.samples.length).toBeGreaterThan(3);
    const k = Math.ceil(all.samples.length / 3);
    expect(thin.samples.length).toBe(Math.ceil(all.samples.length / k));
    expect(thin.samples.length).toBeLessThanOrEqual(3);
    expect(thin.intervalS).toBe((k * INTERVAL_MS) / 1000);
    expect(sumActivity(thin.samples)).toEqual(sumActivity(all.samples));
    expect(figuresOf(thin.samples.at(-1)!)).toEqual(figuresOf(all.samples.at(-1)!));
    await expect(call(svc.store.nc, Rpc.statsHistory, { from: 10, to: 5 })).rejects.toThrow(/from/);
  });

  it('keeps the history across a rebuild of the projection (same activity), and prunes what is older than the retention', async () => {
    const before = await history({ to: Date.now() });
    await svc.stopService();
    const app = await svc.restart({ STATS_SAMPLE_INTERVAL_MS: String(INTERVAL_MS), REBUILD_PROJECTIONS: 'true' });
    await app.get(ProjectionHost).catchUp();
    const after = await history({ to: before.samples.at(-1)!.at });
    expect(after.samples).toEqual(before.samples);

    // 0.00002 days = 1.728 s of history.
    await svc.stopService();
    await svc.restart({ STATS_SAMPLE_INTERVAL_MS: String(INTERVAL_MS), STATS_RETENTION_DAYS: '0.00002', STATS_PRUNE_INTERVAL_MS: '200' });
    const oldest = before.samples[0]!.at;
    await waitUntil(async () => {
      const times = await call(svc.store.nc, Rpc.statsSampleTimes, {});
      return times.length > 0 && times[0]! > oldest && times[0]! >= Date.now() - 1728 - 1000;
    }, { what: 'old samples pruned', timeoutMs: 10_000 });
  });
});

describe("an hour of a devnet's history", () => {
  let svc: ServiceUnderTest<StatsConfig>;
  const DEVNET_INTERVAL_MS = 10_000;

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'statshour', configSchema: StatsConfig, module: (c, l) => StatsModule.forRoot(c, l),
      env: { STATS_SAMPLE_INTERVAL_MS: String(DEVNET_INTERVAL_MS) },
    });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('answers every sample of the last hour by default, in full, with the activity of each interval', async () => {
    // Two hours of samples as the devnet's sampler stores them (every 10 s), and two instances started
    // 30 and 90 minutes ago.
    const now = Date.now();
    const newest = Math.floor(now / DEVNET_INTERVAL_MS) * DEVNET_INTERVAL_MS;
    const instants = Array.from({ length: 720 }, (_, i) => newest - i * DEVNET_INTERVAL_MS);
    const db = await svc.db.dataSource();
    await db.query(`CREATE TABLE IF NOT EXISTS stats.samples (at bigint PRIMARY KEY, interval_ms int NOT NULL, figures jsonb NOT NULL)`);
    await db.query(`INSERT INTO stats.samples (at, interval_ms, figures) SELECT unnest($1::bigint[]), $2, $3::jsonb ON CONFLICT (at) DO NOTHING`,
      [instants, DEVNET_INTERVAL_MS, JSON.stringify(figures1)]);
    const events = [
      makeEvent('InstanceStarted', Subjects.instance('demo', 'n0'), { app: 'demo', nodeId: 'n0', ip: '127.0.0.1', specHash: H, ports: [], containers: [] }, { time: new Date(now - 30 * 60_000) }),
      makeEvent('InstanceStarted', Subjects.instance('demo', 'n1'), { app: 'demo', nodeId: 'n1', ip: '127.0.0.1', specHash: H, ports: [], containers: [] }, { time: new Date(now - 90 * 60_000) }),
    ];
    for (const e of events) await svc.store.append(e.subject, [e], 'any');
    await svc.app.get(ProjectionHost).catchUp();

    const h = await call(svc.store.nc, Rpc.statsHistory, {});
    expect(h.intervalS).toBe(10);
    // [now - 1 h, now]: 360 instants, 361 when the hour's first instant is exactly an hour ago.
    expect(h.samples.length).toBeGreaterThanOrEqual(360);
    expect(h.samples.length).toBeLessThanOrEqual(361);
    expect(h.samples[0]!.at).toBeGreaterThanOrEqual(now - 3_600_000);
    expect(h.samples.at(-1)!.at).toBeGreaterThanOrEqual(newest);
    expect(h.samples.reduce((a, s) => a + s.activity.started, 0)).toBe(1);
    expect(figuresOf(h.samples[0]!)).toEqual(figures1);
    // The whole two hours when asked, with both starts.
    const two = await call(svc.store.nc, Rpc.statsHistory, { from: now - 2 * 3_600_000 });
    expect(two.samples.length).toBeGreaterThanOrEqual(720);
    expect(two.samples.reduce((a, s) => a + s.activity.started, 0)).toBe(2);
  });
});
