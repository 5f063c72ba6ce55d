/**
 * Node liveness at the network's scale, and scheduler failover, measured against real NATS
 * (JetStream event store, core-NATS heartbeats) and real scheduler processes (each with its own
 * Postgres read model):
 *
 * - `nodes` simulated nodes (mixed tiers) registered and benchmarked, each heartbeating every
 *   `heartbeatMs` over real NATS (one connection spreads the beats evenly over the interval);
 * - `apps` apps × 3 instances placed on them;
 * - then `silentFraction` of the nodes go silent at once:
 *   - `detect_s`: a node's last heartbeat sent → its `NodeWentDown` seen on the bus (p99 over the
 *     silent nodes; `detect_p50_s`, `detect_max_s` too). A node is down after `downAfterMs` of
 *     silence, so this is at least that;
 *   - `replace_after_detect_s`: per app that had an instance on a silent node, its first such node's
 *     `NodeWentDown` → the app back to 3 instances none of which on a silent node (max over apps:
 *     "every replacement durable"; events are seen by a core subscriber as the stream stores them);
 * - `standby_takeover_s`: the active scheduler is killed (SIGKILL) → the standby holds the leader
 *   lease (KV entry seen by a watcher);
 * - `heartbeats_per_s`: heartbeats the active scheduler counted (its own metric) in a steady 10 s
 *   window, and `monitor_cpu_pct`: the whole scheduler process's CPU then (heartbeats, and its periodic
 *   reconcile passes); `heartbeat_capacity_per_s`: its handling rate during a burst of 5 × nodes extra
 *   heartbeats published as fast as the bench can (room to spare), `heartbeat_burst_dropped` ≈ how many
 *   of those never reached it.
 *
 * `runSchedulerLiveness(options)` is the module's API (perf/scheduler.ts calls it); run alone with
 * `node perf/dist/scheduler-liveness.js` (PERF_NODES, PERF_APPS, PERF_SILENT, PERF_DOWN_AFTER_MS) from
 * the repo root after `npm run build`: prints one JSON line and saves it to
 * perf/results/scheduler-liveness.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { makeEvent, parseEvent, Signals, Subjects, type DomainEvent, type EventEnvelope } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { runtimeView, type Tier } from '@fluxplane/flux-spec';
import { createTestDatabase, freePort, sleep, startNats, waitUntil, type TestDatabase, type TestNats } from '@fluxplane/testkit';

const ROOT = resolve(__dirname, '../..');
const SCHEDULER_MAIN = join(ROOT, 'services/scheduler/dist/main.js');
const LEADER_BUCKET = 'fluxplane_scheduler_leader';
const LEADER_KEY = 'active';

export interface SchedulerLivenessOptions {
  /** An existing NATS with JetStream (its event stream is used as is); default: a private one. */
  natsUrl?: string;
  nodes?: number;
  apps?: number;
  silentFraction?: number;
  heartbeatMs?: number;
  downAfterMs?: number;
  /** Extra environment for the scheduler processes. */
  schedulerEnv?: Record<string, string>;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface SchedulerLivenessResult {
  nodes: number;
  silent: number;
  apps: number;
  instances: number;
  heartbeat_ms: number;
  down_after_ms: number;
  heartbeats_per_s: number;
  monitor_cpu_pct: number;
  heartbeat_capacity_per_s: number;
  heartbeat_burst_dropped: number;
  detect_p50_s: number;
  detect_s: number;
  detect_max_s: number;
  replaced_apps: number;
  replace_after_detect_p50_s: number;
  replace_after_detect_s: number;
  standby_takeover_s: number;
}

/** Nearest-rank percentile, to the millisecond. */
function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 1000) / 1000;
}

const TIERS: Tier[] = ['CUMULUS', 'NIMBUS', 'STRATUS'];
const nodeId = (i: number) => `bn${i}`;
const ipOf = (i: number) => `127.${Math.floor(i / 250) % 250 + 1}.${i % 250}.1`;

function appSpec(name: string) {
  const spec = {
    version: 7, name, description: 'bench', owner: '1bench',
    compose: [{
      name: 'web', description: 'w', repotag: 'nginx:latest', ports: [31000], domains: [''], environmentParameters: [], commands: [],
      containerPorts: [80], containerData: '/data', cpu: 0.2, ram: 200, hdd: 2, tiered: false,
    }],
    instances: 3,
  };
  return { spec, runtime: runtimeView(spec) };
}

/** Appends many single-event streams, `width` at a time. */
async function appendAll(store: EventStore, events: EventEnvelope[], width = 256): Promise<void> {
  for (let i = 0; i < events.length; i += width) {
    await Promise.all(events.slice(i, i + width).map((e) => store.append(e.subject, [e], 'any')));
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name) && l.includes('outcome="ok"')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

export async function runSchedulerLiveness(o: SchedulerLivenessOptions = {}): Promise<SchedulerLivenessResult> {
  const N = o.nodes ?? 12_000;
  const APPS = o.apps ?? 300;
  const HB = o.heartbeatMs ?? 1000;
  const DOWN = o.downAfterMs ?? 2500;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let nats: TestNats | undefined;
  const url = o.natsUrl ?? (nats = await startNats()).url;
  const store = await EventStore.connect({ servers: url });
  const dbs: TestDatabase[] = [];
  const procs: Array<{ id: string; child: ChildProcess; port: number }> = [];
  let beat: NodeJS.Timeout | undefined;
  try {
    // The bus as a subscriber sees it: liveness records and placements, with arrival times.
    const downAt = new Map<string, number>();
    /** Liveness records count from the silence on (a node may have flapped before, e.g. during the burst). */
    let silenceStart = Infinity;
    const downNow = new Set<string>();
    const upSeen = new Set<string>();
    const placements = new Map<string, Map<string, number>>(); // app → node → arrival
    const placementLog: Array<{ at: number; app: string }> = [];
    const sub = store.nc.subscribe('evt.>', { callback: (_e, m) => {
      let e: DomainEvent;
      try { e = parseEvent(m.json()); } catch { return; }
      const at = Date.now();
      if (e.type === 'NodeWentDown') {
        downNow.add(e.data.nodeId);
        if (at >= silenceStart && !downAt.has(e.data.nodeId)) downAt.set(e.data.nodeId, at);
      } else if (e.type === 'NodeCameBack') { upSeen.add(e.data.nodeId); downNow.delete(e.data.nodeId); }
      else if (e.type === 'InstanceScheduled' || e.type === 'InstanceUnscheduled') {
        const key = e.data.app.toLowerCase();
        const p = placements.get(key) ?? new Map<string, number>();
        if (e.type === 'InstanceScheduled') p.set(e.data.nodeId, at);
        else p.delete(e.data.nodeId);
        placements.set(key, p);
        placementLog.push({ at, app: key });
      }
    } });

    log(`registering ${N} nodes`);
    const chain = Subjects.chain();
    const reg: EventEnvelope[] = [];
    for (let i = 0; i < N; i++) {
      const tier = TIERS[i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2]!;
      reg.push(makeEvent('NodeBenchmarked', Subjects.node(nodeId(i)), { nodeId: nodeId(i), passed: true, tier, cores: 8, ramMb: 32000, eps: 1000, diskWriteMbps: 500, benchVersion: 'bench' }));
    }
    await appendAll(store, reg);
    // The chain subject is one stream: registrations go one after another, pipelined.
    for (let i = 0; i < N; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, N - i) }, (_, k) => {
        const n = i + k;
        const tier = TIERS[n % 10 < 6 ? 0 : n % 10 < 9 ? 1 : 2]!;
        return store.append(chain, [makeEvent('NodeRegistered', chain, { nodeId: nodeId(n), ip: ipOf(n), tier, collateralSat: 1000e8, txid: `btx${n}`, height: n + 1 })], 'any');
      }));
    }

    // Heartbeats: every node every HB ms, spread evenly over the interval.
    const silent = new Set<number>();
    let paused = false;
    const lastBeat = new Float64Array(N);
    const SLICES = 20;
    let slice = 0;
    beat = setInterval(() => {
      if (paused) return;
      const now = Date.now();
      for (let i = slice; i < N; i += SLICES) {
        if (silent.has(i)) continue;
        store.nc.publish(Signals.heartbeat(nodeId(i)), JSON.stringify({ nodeId: nodeId(i), ip: ipOf(i), at: new Date(now).toISOString() }));
        lastBeat[i] = now;
      }
      slice = (slice + 1) % SLICES;
    }, HB / SLICES);

    const start = async (id: string) => {
      const db = await createTestDatabase(`bsched${id}`);
      dbs.push(db);
      const port = await freePort();
      const logFile = join(tmpdir(), `fluxplane-bench-scheduler-${id}.log`);
      const fd = openSync(logFile, 'w');
      const child = spawn(process.execPath, [SCHEDULER_MAIN], {
        env: {
          ...process.env, NATS_URL: url, DATABASE_URL: db.url, HTTP_PORT: String(port), LOG_LEVEL: 'warn', SCHEDULER_ID: `bench-${id}`,
          NODE_DOWN_AFTER_MS: String(DOWN), ...o.schedulerEnv,
        },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      procs.push({ id, child, port });
      return { id, child, port };
    };
    const kv = await new Kvm(store.nc).create(LEADER_BUCKET, { history: 1 });
    const holder = async () => { const e = await kv.get(LEADER_KEY); return e?.operation === 'PUT' ? (e.json() as { holder: string }).holder : null; };

    const a = await start('a');
    await waitUntil(async () => (await holder()) === 'bench-a', { timeoutMs: 60_000, what: 'scheduler a active' });
    const b = await start('b');
    log('waiting for every node to be heard (NodeCameBack)');
    await waitUntil(() => upSeen.size >= N, { timeoutMs: 300_000, intervalMs: 500, what: `${N} nodes up (${upSeen.size})` });

    log(`registering ${APPS} apps`);
    const apps: EventEnvelope[] = [];
    for (let i = 0; i < APPS; i++) {
      const name = `benchapp${i}`;
      apps.push(makeEvent('AppRegistered', Subjects.app(name), { name, hash: createHashHex(name), ...appSpec(name), owner: '1bench', txid: `atx${i}`, height: N + 10, expireBlocks: 22000, expiresAtHeight: N + 22010, timestamp: 1, signature: 's', amountSat: 1 }));
    }
    await appendAll(store, apps);
    await waitUntil(() => [...placements.values()].filter((p) => p.size === 3).length >= APPS, { timeoutMs: 600_000, intervalMs: 500, what: `${APPS} apps placed` });
    await sleep(2000);

    // Steady state: the active scheduler only hears heartbeats.
    const hb0 = await metric(a.port, 'fluxplane_scheduler_heartbeats_total');
    const cpu0 = cpuSeconds(a.child.pid!);
    const t0 = Date.now();
    await sleep(10_000);
    const hb1 = await metric(a.port, 'fluxplane_scheduler_heartbeats_total');
    const cpu1 = cpuSeconds(a.child.pid!);
    const windowS = (Date.now() - t0) / 1000;
    const heartbeatsPerS = Math.round((hb1 - hb0) / windowS);
    const monitorCpuPct = Math.round(((cpu1 - cpu0) / windowS) * 1000) / 10;
    log(`steady: ${heartbeatsPerS} heartbeats/s at ${monitorCpuPct} % of a core`);

    // Room to spare: a burst of extra heartbeats (valid, for live nodes) on top of the steady ones,
    // as fast as the bench can publish them; the scheduler's rate of handling them is its capacity.
    // The steady beats pause meanwhile (the burst beats every node several times over).
    const BURST = N * 5;
    paused = true;
    await sleep(200);
    const c0 = await metric(a.port, 'fluxplane_scheduler_heartbeats_total');
    const b0 = Date.now();
    for (let k = 0; k < BURST; k += 2000) {
      for (let j = k; j < Math.min(BURST, k + 2000); j++) {
        const i = j % N;
        store.nc.publish(Signals.heartbeat(nodeId(i)), JSON.stringify({ nodeId: nodeId(i), ip: ipOf(i), at: new Date().toISOString() }));
      }
      await store.nc.flush();
    }
    let last = c0;
    let lastAt = b0;
    for (;;) {
      await sleep(250);
      const c = await metric(a.port, 'fluxplane_scheduler_heartbeats_total');
      if (c !== last) { last = c; lastAt = Date.now(); }
      if (c - c0 >= BURST || Date.now() - lastAt > 1000 || Date.now() - b0 > 60_000) break;
    }
    paused = false;
    const burstS = Math.max(0.001, (lastAt - b0) / 1000);
    const capacity = Math.round((last - c0) / burstS);
    const burstLost = Math.max(0, BURST - (last - c0));
    await sleep(3000);
    log(`burst: ${last - c0} heartbeats handled in ${burstS.toFixed(2)} s (${capacity}/s), ~${burstLost} dropped`);

    // 10 % of the nodes go silent at once.
    const fraction = o.silentFraction ?? 0.1;
    const step = Math.max(1, Math.round(1 / fraction));
    // Every node up again first (a node that flapped under the burst serves its probation).
    await waitUntil(() => downNow.size === 0, { timeoutMs: 60_000, intervalMs: 200, what: `every node up (${downNow.size} down)` });
    silenceStart = Date.now();
    // Spread over tiers and ids (a multiplicative hash), as an outage of unrelated machines would be;
    // the same fraction of the nodes that host instances goes silent too (at least one), so the
    // replacement is always measured.
    const hostingNow = [...new Set([...placements.values()].flatMap((p) => [...p.keys()]))].sort();
    const hostingIdx = new Set(hostingNow.map((n) => Number(n.slice(2))));
    hostingNow.forEach((n, k) => { if (k % step === 0) silent.add(Number(n.slice(2))); });
    for (let i = 0; i < N; i++) if (!hostingIdx.has(i) && ((i * 2654435761) >>> 0) % step === 0) silent.add(i);
    const silentIds = new Set([...silent].map(nodeId));
    const affected = new Map<string, string[]>();
    for (const [app, p] of placements) {
      const on = [...p.keys()].filter((n) => silentIds.has(n));
      if (on.length > 0) affected.set(app, on);
    }
    const silencedAt = Date.now();
    const hosting = new Set([...placements.values()].flatMap((p) => [...p.keys()]));
    log(`${silent.size} nodes silent (${[...hosting].filter((n) => silentIds.has(n)).length} of the ${hosting.size} hosting an instance); ${affected.size} apps have an instance on one`);
    await waitUntil(() => [...silentIds].every((n) => downAt.has(n)), { timeoutMs: 60_000, intervalMs: 100, what: `every silent node down (${[...silentIds].filter((n) => downAt.has(n)).length})` });
    const detect = [...silent].map((i) => (downAt.get(nodeId(i))! - lastBeat[i]!) / 1000);
    const healed = (app: string) => { const p = placements.get(app)!; return p.size === 3 && [...p.keys()].every((n) => !silentIds.has(n)); };
    await waitUntil(() => [...affected.keys()].every(healed), { timeoutMs: 300_000, intervalMs: 100, what: `every affected app healed (${[...affected.keys()].filter(healed).length}/${affected.size})` });
    const replace: number[] = [];
    for (const [app, on] of affected) {
      const down = Math.min(...on.map((n) => downAt.get(n)!));
      const healedAt = Math.max(...[...placements.get(app)!.values()]);
      replace.push(Math.max(0, healedAt - down) / 1000);
    }
    log(`detected in ${((Math.max(...downAt.values()) - silencedAt) / 1000).toFixed(2)} s after the silence began`);

    // Failover: the active scheduler dies; the standby takes the lease.
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await waitUntil(async () => (await holder()) === 'bench-b', { timeoutMs: 60_000, intervalMs: 20, what: 'standby active' });
    const takeover = (Date.now() - killedAt) / 1000;
    void b;
    sub.unsubscribe();

    return {
      nodes: N, silent: silent.size, apps: APPS, instances: APPS * 3, heartbeat_ms: HB, down_after_ms: DOWN,
      heartbeats_per_s: heartbeatsPerS, monitor_cpu_pct: monitorCpuPct, heartbeat_capacity_per_s: capacity, heartbeat_burst_dropped: burstLost,
      detect_p50_s: percentile(detect, 50), detect_s: percentile(detect, 99), detect_max_s: percentile(detect, 100),
      replaced_apps: affected.size, replace_after_detect_p50_s: percentile(replace, 50), replace_after_detect_s: percentile(replace, 100),
      standby_takeover_s: Math.round(takeover * 1000) / 1000,
    };
  } finally {
    clearInterval(beat);
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await store.close().catch(() => undefined);
    for (const db of dbs) await db.drop().catch(() => undefined);
    await nats?.stop();
  }
}

/** A spec hash is 64 hex characters; any stable value does for the bench. */
function createHashHex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

async function main(): Promise<void> {
  const r = await runSchedulerLiveness({
    nodes: Number(process.env.PERF_NODES ?? 12_000),
    apps: Number(process.env.PERF_APPS ?? 300),
    silentFraction: Number(process.env.PERF_SILENT ?? 0.1),
    downAfterMs: Number(process.env.PERF_DOWN_AFTER_MS ?? 2500),
  });
  const out = JSON.stringify({ bench: 'scheduler-liveness', ...r });
  console.log(out);
  mkdirSync(join(ROOT, 'perf/results'), { recursive: true });
  writeFileSync(join(ROOT, 'perf/results/scheduler-liveness.json'), `${out}\n`);
}

if (require.main === module) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`scheduler-liveness bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
