/**
 * The scheduler at Flux's scale: 12,000 simulated nodes of mixed tiers and locations and 5,000 apps
 * × 3 instances with a realistic mix of geolocation, pinning, static IP and synced data, placed from
 * empty by the real scheduler service (its own process, production wiring) on a private nats-server
 * (JetStream, file storage) and a throwaway Postgres database.
 *
 *   npm run build && node perf/dist/scheduler.js     # writes perf/results/scheduler.json
 *
 * Phases, in one run:
 *  1. `raw`: raw JetStream async publish of as many events (InstanceScheduled envelopes of the same
 *     size) as the placement will append, many in flight: the ceiling of the machine.
 *  2. `seed`: the nodes are registered and benchmarked by events (NodeRegistered, NodeBenchmarked
 *     with location and traits) and heard (NodeCameBack: a node is up only once heard) and the apps
 *     registered (AppRegistered v2 with their runtime view); the scheduler's projection is built from
 *     them (the real projection, in this process).
 *  3. `place`: every node heartbeats (once a second, over core NATS, as its agent would: otherwise the
 *     scheduler takes it down after NODE_DOWN_AFTER_MS), the scheduler service starts (loads its state
 *     from the projection, takes the leader lease) and places every
 *     instance; `place_all_s` runs from the moment it can place (its reconcile loop live and the
 *     leader lease held, whichever comes last; until then is `start_s`) to the last InstanceScheduled
 *     stored (durable) in the stream, `placements_per_s` = instances / place_all_s. The placements
 *     are then checked: every app at its target, no node over capacity, every rule held.
 *  4. `liveness`, on the placed cluster: a standby scheduler starts (its own process and database);
 *     10 % of the nodes go silent at once: `detect_s` (last heartbeat sent → NodeWentDown stored,
 *     p99), `replace_after_detect_s` (an app's NodeWentDown stored → its last replacement stored,
 *     max over the apps hit), both by the stream's own timestamps (`*_seen_s`: the same, by when
 *     this process's subscriber saw the events, its own event-loop lag included); then the active
 *     scheduler is SIGKILLed: `standby_takeover_s` (→ the standby holds the leader lease).
 *     `peak_rss_mb` is the active scheduler's VmHWM over the whole run.
 * (perf/scheduler-liveness.ts remains the heartbeat-capacity bench: heartbeats counted and a burst.)
 *
 * Prints one JSON line: {"bench":"scheduler","nodes":…,"instances":…,"placements_per_s":…,…}
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeliverPolicy, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { deterministicId, makeEvent, parseEvent, Signals, Subjects, type DomainEvent, type EventEnvelope } from '@fluxplane/contracts';
import { EventStore, ProjectionRunner } from '@fluxplane/eventstore';
import { runtimeView } from '@fluxplane/flux-spec';
import { createTestDatabase, freePort, startNats, waitUntil } from '@fluxplane/testkit';
import { ClusterState, DEFAULT_HARDWARE, allocatableFor, componentRunsOn, demandOf, geoMatches, subnet16 } from '@fluxplane/scheduler/dist/domain';
import { openDatabase } from '@fluxplane/service-kit';
import { SchedulerProjection } from '@fluxplane/scheduler/dist/projections/scheduler.projection';
import { simulatedApps, simulatedNodes, type SimApp, type SimNode } from './sim-cluster';
import { nodeFlagsOf } from '@fluxplane/devnet';

/**
 * PERF_C1M=1: the stretch — 1,000,000 instances (333,334 apps × 3, small ones) on 100,000 nodes,
 * placement only, into perf/results/scheduler-c1m.json. The nodes do not heartbeat (100,000 a
 * second would measure the load generator) and are declared down only after 10 minutes: liveness is
 * measured at 12,000 nodes. Give this process room: `node --max-old-space-size=8192`.
 */
const C1M = process.env.PERF_C1M === '1';
const NODES = Number(process.env.PERF_NODES ?? (C1M ? 100_000 : 12_000));
const APPS = Number(process.env.PERF_APPS ?? (C1M ? 333_334 : 5_000));
const IN_FLIGHT = Number(process.env.PERF_IN_FLIGHT ?? 512);
/** Silence after which the scheduler declares a node down (its NODE_DOWN_AFTER_MS). */
const DOWN_AFTER_MS = Number(process.env.PERF_DOWN_AFTER_MS ?? (C1M ? 600_000 : 2500));
/** Placement is over when every instance is stored, or nothing new was stored this long (what is left cannot be placed). */
const QUIET_S = C1M ? 60 : 5;
const LEADER_BUCKET = 'fluxplane_scheduler_leader';
const LEADER_KEY = 'active';
const STREAM = 'FLUXPLANE_EVENTS';
const ROOT = join(__dirname, '..', '..');
/**
 * Node flags the scheduler runs with (its package.json `nodeFlags`, as the devnet and the image run
 * it): a 4 MB semi-space keeps the young generation at 12 MB; with V8's default the burst of a full
 * placement grows it to peak RSS ~385 MB. The old generation may grow to twice what survived the
 * last full collection (V8 allows up to 4× under a high allocation rate: ~360 MB right after
 * placing, against ~275 MB with the cap). Feedback for the JIT is allocated at a function's first
 * call, not after a few: a placement burst is over in about a second, and its code tiers up sooner.
 */
const SCHEDULER_NODE_FLAGS = process.env.PERF_SCHEDULER_NODE_FLAGS?.split(' ').filter(Boolean) ?? nodeFlagsOf(ROOT, 'services/scheduler/dist/main.js');

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/* ---------------- the simulated network ---------------- */

/* ---------------- the run ---------------- */

interface Run {
  natsUrl: string;
  store: EventStore;
  dbUrl: string;
  nodes: SimNode[];
  apps: SimApp[];
  instances: number;
}

/** Runs `work` for every index with at most `limit` in flight. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

const hex = (s: string) => deterministicId(s).replace(/-/g, '').padEnd(64, '0').slice(0, 64);

/** Phase 1: raw JetStream publish of `count` placement-sized events (a stream of its own), many in flight. */
async function rawPublish(run: Run, count: number): Promise<number> {
  const jsm = await jetstreamManager(run.store.nc);
  await jsm.streams.add({ name: 'PERF_RAW', subjects: ['perfraw.>'] });
  const js: JetStreamClient = run.store.js;
  // The same events the scheduler will append: its components for each app on a Cumulus node.
  const components = run.apps.map((a) => {
    const r = componentRunsOn(runtimeView(a.spec), 'CUMULUS');
    return r.ok ? r.components : [];
  });
  const events = Array.from({ length: count }, (_, i) => {
    const a = i % APPS;
    const n = run.nodes[i % run.nodes.length]!;
    return JSON.stringify(makeEvent('InstanceScheduled', `perfraw.app${a}`, {
      app: `app${a}`, nodeId: n.nodeId, nodeIp: n.ip, specHash: hex(`h${a}`), components: components[a]!, reason: `instance ${1 + (i % 3)} of 3`,
    }));
  });
  const t0 = process.hrtime.bigint();
  await pool(count, IN_FLIGHT, async (i) => { await js.publish(`perfraw.app${i % APPS}`, events[i]!, { msgID: deterministicId('raw-id', i) }); });
  const rate = count / seconds(t0);
  await jsm.streams.delete('PERF_RAW');
  return rate;
}

/** Phase 2: nodes and apps as events, and the scheduler's projection built from them. */
async function seed(run: Run): Promise<{ seed_events: number; projection_s: number }> {
  const events: EventEnvelope[] = [];
  for (const [i, n] of run.nodes.entries()) {
    events.push(makeEvent('NodeRegistered', Subjects.chain(), { nodeId: n.nodeId, ip: n.ip, tier: n.tier, collateralSat: n.tier === 'CUMULUS' ? 1e11 : n.tier === 'NIMBUS' ? 1.25e12 : 4e12, txid: n.nodeId.slice(0, 64), height: 1000 + i }));
    events.push(makeEvent('NodeBenchmarked', Subjects.node(n.nodeId), {
      nodeId: n.nodeId, passed: true, tier: n.tier, cores: n.tier === 'CUMULUS' ? 4 : n.tier === 'NIMBUS' ? 8 : 16, ramMb: 64000, eps: 500, diskWriteMbps: 300, benchVersion: '5.0.0',
      geolocation: { continent: n.continent, country: n.country, region: n.region }, staticIp: n.staticIp, datacenter: n.datacenter, enterprise: n.enterprise,
    }));
    // The network is already running: each node was heard (its first heartbeat recorded it up).
    events.push(makeEvent('NodeCameBack', Subjects.node(n.nodeId), { nodeId: n.nodeId }));
  }
  for (const [i, a] of run.apps.entries()) {
    events.push(makeEvent('AppRegistered', Subjects.app(a.name), {
      name: a.name, hash: hex(`h${i}`), owner: '1PerfOwnerAddress', spec: a.spec, runtime: runtimeView(a.spec), txid: hex(`tx${i}`), height: 2000,
      expireBlocks: 22000, expiresAtHeight: 24000, timestamp: Date.now(), signature: 'perf', amountSat: 1,
    }));
  }
  await pool(events.length, IN_FLIGHT, async (i) => { await run.store.js.publish(events[i]!.subject, JSON.stringify(events[i]), { msgID: events[i]!.id }); });
  log(`published ${events.length} seed events; projecting`);
  const t0 = process.hrtime.bigint();
  const db = await createDb(run.dbUrl);
  const runner = new ProjectionRunner(run.store, db, new SchedulerProjection(new ClusterState()), { schema: 'scheduler' });
  await runner.start();
  await runner.catchUp(600_000);
  await runner.stop();
  await db.destroy();
  return { seed_events: events.length, projection_s: Number(seconds(t0).toFixed(1)) };
}

function createDb(url: string) {
  return openDatabase(url, 'scheduler', 'perf-scheduler');
}

interface Scheduler {
  id: string; proc: ChildProcess; port: number; liveAt: bigint; start_s: number; cpuAtLive: number;
  /** Resolves when it holds the leader lease (a standby's only at takeover): when it was, and its CPU seconds then. */
  active: Promise<{ at: bigint; cpu: number }>;
}

/**
 * A scheduler service in its own process, production wiring (`SCHEDULER_ID` `perf-<id>`, its own
 * database); resolves when its reconcile loop is live (its projection caught up with the stream).
 */
async function startScheduler(run: Run, id: string, dbUrl: string): Promise<Scheduler> {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  let cpuAtLive = 0;
  let activated: (a: { at: bigint; cpu: number }) => void = () => undefined;
  const active = new Promise<{ at: bigint; cpu: number }>((resolve) => { activated = resolve; });
  const proc = spawn(process.execPath, [...SCHEDULER_NODE_FLAGS, join(ROOT, 'services/scheduler/dist/main.js')], {
    env: {
      ...process.env, NATS_URL: run.natsUrl, DATABASE_URL: dbUrl, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', EVENT_STREAM: STREAM,
      SCHEDULER_ID: `perf-${id}`, NODE_DOWN_AFTER_MS: String(DOWN_AFTER_MS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const liveAt = await new Promise<bigint>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`scheduler ${id} exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (process.env.PERF_SCHEDULER_LOG) process.stderr.write(`[${id}] ${line}\n`);
      if (line.includes('"loop":"scheduler"') && line.includes('reconcile loop started')) { cpuAtLive = cpuSeconds(proc.pid!); resolve(loggedAt(line)); }
      if (line.includes('this scheduler is now the active one')) activated({ at: loggedAt(line), cpu: cpuSeconds(proc.pid!) });
    });
  });
  return { id, proc, port, liveAt, start_s: Number((Number(liveAt - t0) / 1e9).toFixed(2)), cpuAtLive, active };
}

/**
 * When the scheduler logged a line, on this process's monotonic clock: its own timestamp (`time`,
 * ms), not when this process got to read it — a pause here (a full GC of this process's heap)
 * would otherwise start the clock late and overstate the rate.
 */
function loggedAt(line: string): bigint {
  const now = process.hrtime.bigint();
  const time = Date.parse((JSON.parse(line) as { time?: string }).time ?? '');
  if (!Number.isFinite(time)) return now;
  return now - BigInt(Math.max(0, Date.now() - time)) * 1_000_000n;
}

async function stopScheduler(s: Scheduler, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => { s.proc.once('exit', () => resolve()); s.proc.kill(signal); });
}

/**
 * CPU time (user + system, seconds) a process has used so far. A diagnostic beside the timings: on a
 * shared machine the wall-clock figures move with the neighbours' load, the CPU a placement costs
 * the scheduler much less.
 */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

/** A metric's value from a scheduler's /metrics: the first line of that name whose labels contain `label`. */
async function metricOf(s: Scheduler, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
  return Number(text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label))?.split(' ').pop() ?? NaN);
}

/**
 * Where a scheduler's projection stands, from its /projections (not /metrics: rendering every metric
 * ten times a second would load the process being measured more than the figure is worth).
 */
async function projectionPosition(s: Scheduler): Promise<number> {
  const list = (await (await fetch(`http://127.0.0.1:${s.port}/projections`)).json()) as Array<{ name: string; position: number }>;
  return list.find((p) => p.name === 'scheduler')?.position ?? NaN;
}

/** The simulated nodes' heartbeats: `silence` stops some of them; `lastBeat[i]` is when node i last beat (ms). */
interface Heartbeats { stop(): void; silence(ids: ReadonlySet<number>): void; lastBeat: Float64Array }

/**
 * Every node heartbeats once a second (as its agent does), spread evenly over the second, except
 * those silenced.
 */
function heartbeat(run: Run): Heartbeats {
  const SLICES = 20;
  let slice = 0;
  let silent: ReadonlySet<number> = new Set();
  const lastBeat = new Float64Array(run.nodes.length);
  const timer = setInterval(() => {
    const now = Date.now();
    const at = new Date(now).toISOString();
    for (let i = slice; i < run.nodes.length; i += SLICES) {
      if (silent.has(i)) continue;
      const n = run.nodes[i]!;
      run.store.nc.publish(Signals.heartbeat(n.nodeId), JSON.stringify({ nodeId: n.nodeId, ip: n.ip, at }));
      lastBeat[i] = now;
    }
    slice = (slice + 1) % SLICES;
  }, 1000 / SLICES);
  return { stop: () => clearInterval(timer), silence: (ids) => { silent = ids; }, lastBeat };
}

/**
 * Phase 3: placement from empty, timed from the scheduler able to place (loop live, lease held) to
 * the last InstanceScheduled stored. The scheduler is left running (with the heartbeats) for the liveness phases.
 */
async function placeFromEmpty(run: Run, seedEnd: number, beats: Heartbeats) {
  const jsm = await jetstreamManager(run.store.nc);
  const stored = async () => (await jsm.streams.info(STREAM)).state.last_seq - seedEnd;
  const sched = await startScheduler(run, 'a', run.dbUrl);
  void beats;
  // Placing starts once its loop is live (its state loaded) and it holds the leader lease, whichever
  // comes last (taking the lease is part of its start, `start_s`).
  const active = await sched.active;
  const [placingFrom, cpuAtStart] = active.at > sched.liveAt ? [active.at, active.cpu] : [sched.liveAt, sched.cpuAtLive];
  // Every instance stored (the scheduler appends nothing else here), or — when some cannot be
  // placed (pinned nodes full, …) — nothing new for 5 s. Polling the stream's state costs the
  // server almost nothing, unlike a consumer reading every event while it is being written.
  let last = -1;
  let lastChange = process.hrtime.bigint();
  let doneAt = 0n;
  let cpuAtDone = 0;
  // The scheduler's own read model (its projection, in Postgres) as it follows: (time, position) every 100 ms.
  const projected: Array<[bigint, number]> = [];
  let following = true;
  const follow = (async () => {
    while (following) {
      const at = await projectionPosition(sched).catch(() => NaN);
      projected.push([process.hrtime.bigint(), at]);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // PERF_TRACE=1: the placements stored over time, printed after the run (where a run stalled).
  const trace: string[] = [];
  await waitUntil(async () => {
    const n = await stored();
    const now = process.hrtime.bigint();
    if (process.env.PERF_TRACE) trace.push(`${(Number(now - placingFrom) / 1e6).toFixed(0)}ms:${n}`);
    if (n !== last) { last = n; lastChange = now; }
    if (n >= run.instances && doneAt === 0n) { doneAt = now; cpuAtDone = cpuSeconds(sched.proc.pid!); }
    return doneAt !== 0n || (n > 0 && Number(now - lastChange) / 1e9 > QUIET_S);
  }, { timeoutMs: 600_000, intervalMs: 10, what: `${run.instances} InstanceScheduled` });
  if (doneAt === 0n) { doneAt = lastChange; cpuAtDone = cpuSeconds(sched.proc.pid!); }
  if (trace.length > 0) log(`stored over time: ${trace.filter((_, i) => i % 5 === 0).join(' ')}`);
  const placeAll = Number(doneAt - placingFrom) / 1e9;
  const lastSeq = seedEnd + last;
  // (Not for the C1M stretch: its projection writes a million rows long after the placement.)
  if (!C1M) await waitUntil(() => projected.some(([, at]) => at >= lastSeq), { timeoutMs: 120_000, intervalMs: 50, what: 'the scheduler projection at the last placement' });
  following = false;
  await follow;
  // From the last placement stored to the projection holding it (to the 100 ms of the sampling).
  const caughtUp = projected.find(([, at]) => at >= lastSeq);
  const projectedLag = caughtUp ? Math.max(0, Number(caughtUp[0] - doneAt) / 1e9) : NaN;
  // Let it settle (no further decisions) before reading its peak memory and counters.
  await new Promise((r) => setTimeout(r, 2000));
  const rss = peakRssMb(sched.proc.pid!);
  const events = await placementEvents(run, seedEnd);
  return {
    sched,
    events,
    start_s: Number((sched.start_s + Math.max(0, Number(active.at - sched.liveAt) / 1e9)).toFixed(2)), place_all_s: Number(placeAll.toFixed(2)), placements_per_s: Math.round(last / placeAll), placed: last, place_peak_rss_mb: rss,
    projection_lag_s: Number(projectedLag.toFixed(2)),
    // Diagnostic: the scheduler process's CPU per placement while placing (µs), less noisy than the rate.
    place_cpu_us_per_placement: Math.round(((cpuAtDone - cpuAtStart) * 1e6) / run.instances),
    projection_events_per_tx: Number(((await metricOf(sched, 'fluxplane_projection_events_applied_total', 'projection="scheduler"')) / (await metricOf(sched, 'fluxplane_projection_transactions_total', 'projection="scheduler"'))).toFixed(1)),
    heap_used_mb: Math.round((await metricOf(sched, 'nodejs_heap_size_used_bytes')) / 1048576),
    append_conflicts: (await metricOf(sched, 'fluxplane_scheduler_decisions_total', 'outcome="conflict"')) || 0,
    ...check(run, events),
  };
}

/** Nearest-rank percentile, to the millisecond. */
function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 1000) / 1000;
}

/**
 * Phases 4–6, on the placed cluster: a standby scheduler (its own process and database) starts;
 * 10 % of the nodes (a multiplicative hash over their index: unrelated machines) go silent at once;
 *  - `detect_s`: per silent node, its last heartbeat sent → its `NodeWentDown` on the bus (p99);
 *  - `replace_after_detect_s`: per app with an instance on a silent node, the first such node's
 *    `NodeWentDown` → its last replacement `InstanceScheduled` on the bus, once the app holds as many
 *    instances as before, none on a silent node (max over the apps; an app that cannot be healed —
 *    pinned to silent or full nodes — is counted in `unhealed_apps` and not timed);
 *  - `standby_takeover_s`: the active scheduler SIGKILLed → the standby holds the leader lease.
 * Events are seen by a core-NATS subscriber as the stream stores them.
 */
async function liveness(run: Run, active: Scheduler, placed: readonly DomainEvent[], beats: Heartbeats) {
  const standbyDb = await createTestDatabase('perfschedb');
  const admin = await standbyDb.dataSource();
  await admin.query(`ALTER DATABASE "${standbyDb.name}" SET synchronous_commit = off`);
  await admin.destroy();
  const standby = await startScheduler(run, 'b', standbyDb.url);
  // A standby is warm long before an outage: wait for its read model to hold the whole stream.
  const end = await run.store.lastSequence();
  await waitUntil(async () => (await metricOf(standby, 'fluxplane_projection_position', 'projection="scheduler"').catch(() => 0)) >= end, { timeoutMs: 600_000, intervalMs: 500, what: 'the standby projection caught up' });
  const standbyWarmS = Number((Number(process.hrtime.bigint() - standby.liveAt) / 1e9 + standby.start_s).toFixed(1));
  log(`standby started in ${standby.start_s} s, warm in ${standbyWarmS} s`);
  const kv = await new Kvm(run.store.nc).create(LEADER_BUCKET, { history: 1 });
  const holder = async () => { const e = await kv.get(LEADER_KEY); return e?.operation === 'PUT' ? (e.json() as { holder: string }).holder : null; };
  try {
    // Where every instance is now, and what the bus says from here on.
    const placements = new Map<string, Map<string, number>>();
    for (const e of placed) {
      if (e.type !== 'InstanceScheduled' && e.type !== 'InstanceUnscheduled') continue;
      const p = placements.get(e.data.app) ?? new Map<string, number>();
      if (e.type === 'InstanceScheduled') p.set(e.data.nodeId, 0);
      else p.delete(e.data.nodeId);
      placements.set(e.data.app, p);
    }
    const downAt = new Map<string, number>();
    let lastPlacementAt = Date.now();
    let replacements = 0;
    const seen = new Map<string, number>();
    const sub = run.store.nc.subscribe('evt.>', { callback: (_err, m) => {
      if (!m.subject.startsWith('evt.placement.') && !m.subject.startsWith('evt.node.')) return;
      let e: DomainEvent;
      try { e = parseEvent(m.json()); } catch { return; }
      const at = Date.now();
      seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
      if (e.type === 'NodeWentDown') { if (!downAt.has(e.data.nodeId)) downAt.set(e.data.nodeId, at); }
      else if (e.type === 'InstanceScheduled' || e.type === 'InstanceUnscheduled') {
        const p = placements.get(e.data.app) ?? new Map<string, number>();
        if (e.type === 'InstanceScheduled') { p.set(e.data.nodeId, at); replacements++; }
        else p.delete(e.data.nodeId);
        placements.set(e.data.app, p);
        lastPlacementAt = at;
      }
    } });
    await run.store.nc.flush();

    const silent = new Set<number>();
    run.nodes.forEach((_, i) => { if (((i * 2654435761) >>> 0) % 10 === 0) silent.add(i); });
    const silentIds = new Set([...silent].map((i) => run.nodes[i]!.nodeId));
    const affected = new Map<string, { on: string[]; had: number }>();
    for (const [app, p] of placements) {
      const on = [...p.keys()].filter((n) => silentIds.has(n));
      if (on.length > 0) affected.set(app, { on, had: p.size });
    }
    const beforeSilence = await run.store.lastSequence();
    beats.silence(silent);
    const silencedAt = Date.now();
    log(`${silent.size} nodes silent; ${affected.size} apps have ${[...affected.values()].reduce((n, a) => n + a.on.length, 0)} instances on them`);
    await waitUntil(() => [...silentIds].every((n) => downAt.has(n)), { timeoutMs: 60_000, intervalMs: 50, what: `every silent node down (${[...silentIds].filter((n) => downAt.has(n)).length}/${silentIds.size})` });
    const detectSeen = [...silent].map((i) => (downAt.get(run.nodes[i]!.nodeId)! - beats.lastBeat[i]!) / 1000);
    const healed = (app: string) => {
      const p = placements.get(app)!;
      return p.size >= affected.get(app)!.had && [...p.keys()].every((n) => !silentIds.has(n));
    };
    // Every affected app healed, or nothing placed for 5 s (what is left cannot be healed).
    await waitUntil(() => [...affected.keys()].every(healed) || Date.now() - lastPlacementAt > 5000, { timeoutMs: 300_000, intervalMs: 20, what: 'the affected apps healed' });
    sub.unsubscribe();
    // Timed by when the stream stored each event (its own timestamp; same machine, same clock), as
    // the targets say ("durable"); the subscriber above only says when to stop waiting. Its own
    // times (`*_seen_s`) also carry this process's event-loop lag — it sends 10,800 heartbeats a
    // second and parses every event — which on a loaded 2-core box is a tenth of a second or more.
    const storedAt = await storedTimes(run, beforeSilence);
    const detect = [...silent].map((i) => (storedAt.get(`NodeWentDown|${run.nodes[i]!.nodeId}`)! - beats.lastBeat[i]!) / 1000);
    const replace: number[] = [];
    const replaceSeen: number[] = [];
    for (const [app, a] of affected) {
      if (!healed(app)) continue;
      const down = Math.min(...a.on.map((n) => storedAt.get(`NodeWentDown|${n}`)!));
      const healedAt = Math.max(...[...placements.get(app)!.keys()].map((n) => storedAt.get(`InstanceScheduled|${app}|${n}`) ?? 0));
      replace.push(Math.max(0, healedAt - down) / 1000);
      replaceSeen.push(Math.max(0, Math.max(...placements.get(app)!.values()) - Math.min(...a.on.map((n) => downAt.get(n)!))) / 1000);
    }
    log(`events seen since the standby started: ${JSON.stringify(Object.fromEntries(seen))}`);
    const unhealed = [...affected.keys()].filter((a) => !healed(a));
    log(`all silent nodes down ${((Math.max(...downAt.values()) - silencedAt) / 1000).toFixed(2)} s after the silence; ${replace.length} apps healed, ${unhealed.length} not (${unhealed.slice(0, 5).join(', ')})`);
    // The active scheduler's peak memory over the whole run, read before it is killed.
    const peakRss = peakRssMb(active.proc.pid!);

    const killedAt = Date.now();
    active.proc.kill('SIGKILL');
    await waitUntil(async () => (await holder()) === 'perf-b', { timeoutMs: 60_000, intervalMs: 20, what: 'the standby holding the leader lease' });
    const takeover = (Date.now() - killedAt) / 1000;
    return {
      silent: silent.size, detect_p50_s: percentile(detect, 50), detect_s: percentile(detect, 99), detect_seen_s: percentile(detectSeen, 99),
      replaced_apps: replace.length, replaced_instances: replacements, unhealed_apps: unhealed.length,
      replace_after_detect_p50_s: percentile(replace, 50), replace_after_detect_s: percentile(replace, 100),
      replace_after_detect_seen_s: percentile(replaceSeen, 100),
      standby_takeover_s: Math.round(takeover * 1000) / 1000, standby_start_s: standby.start_s, standby_warm_s: standbyWarmS, peak_rss_mb: peakRss,
    };
  } finally {
    await stopScheduler(standby);
    await standbyDb.drop().catch(() => undefined);
  }
}

/** Every message the event stream stored after `after`, up to its last one now, in order. */
async function forEachStored(run: Run, after: number, each: (m: JsMsg) => void): Promise<void> {
  const end = await run.store.lastSequence();
  if (end <= after) return;
  const consumer = await run.store.js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 });
  for await (const m of await consumer.consume()) {
    each(m);
    if (m.seq >= end) break;
  }
}

/**
 * When the stream stored (its own timestamp, ms since the epoch) each node's first NodeWentDown and
 * each instance's latest InstanceScheduled after `after` (what the subscriber keeps too), keyed
 * `NodeWentDown|node` and `InstanceScheduled|app|node`.
 */
async function storedTimes(run: Run, after: number): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  await forEachStored(run, after, (m) => {
    const type = m.headers?.get('Fp-Event-Type');
    if (type !== 'NodeWentDown' && type !== 'InstanceScheduled') return;
    const at = Number(m.info.timestampNanos) / 1e6;
    const e = JSON.parse(m.string()) as DomainEvent;
    if (e.type === 'NodeWentDown' && !times.has(`NodeWentDown|${e.data.nodeId}`)) times.set(`NodeWentDown|${e.data.nodeId}`, at);
    else if (e.type === 'InstanceScheduled') times.set(`InstanceScheduled|${e.data.app}|${e.data.nodeId}`, at);
  });
  return times;
}

/** The placement events stored after the seed, read once the timing is over. */
async function placementEvents(run: Run, seedEnd: number): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  await forEachStored(run, seedEnd, (m) => { if (m.subject.startsWith('evt.placement.')) out.push(JSON.parse(m.string()) as DomainEvent); });
  return out;
}

/** Every app at its target, no node over capacity, every rule held by every placement. */
function check(run: Run, events: DomainEvent[]) {
  const nodes = new Map(run.nodes.map((n) => [n.nodeId, n]));
  const apps = new Map(run.apps.map((a) => [a.name, runtimeView(a.spec)]));
  const perApp = new Map<string, SimNode[]>();
  const used = new Map<string, { cpu: number; ram: number; hdd: number }>();
  let ruleViolations = 0;
  for (const e of events) {
    if (e.type !== 'InstanceScheduled') continue;
    const n = nodes.get(e.data.nodeId)!;
    const rt = apps.get(e.data.app)!;
    const list = perApp.get(e.data.app) ?? [];
    list.push(n);
    perApp.set(e.data.app, list);
    const d = demandOf(e.data.components);
    const u = used.get(n.nodeId) ?? { cpu: 0, ram: 0, hdd: 0 };
    used.set(n.nodeId, { cpu: u.cpu + d.cpu, ram: u.ram + d.ram, hdd: u.hdd + d.hdd });
    const loc = `${n.continent}_${n.country}_${n.region}`;
    const pinned = rt.nodes.map((p) => p.replace(/:\d+$/, ''));
    if ((pinned.length && !pinned.includes(n.ip)) || (rt.staticIp && !n.staticIp) || (rt.datacenter && !n.datacenter)
      || rt.geolocation.deny.some((g) => geoMatches(g, loc)) || (rt.geolocation.allow.length && !rt.geolocation.allow.some((g) => geoMatches(g, loc)))) ruleViolations++;
  }
  let overCapacity = 0;
  for (const [id, u] of used) {
    const cap = allocatableFor(DEFAULT_HARDWARE, nodes.get(id)!.tier);
    if (u.cpu > cap.cpu || u.ram > cap.ram || u.hdd > cap.hdd) overCapacity++;
  }
  let sameNode = 0;
  let sameSubnet = 0;
  let shortApps = 0;
  for (const [name, list] of perApp) {
    if (new Set(list.map((n) => n.nodeId)).size !== list.length) sameNode++;
    if (apps.get(name)!.syncedData && new Set(list.map((n) => subnet16(n.ip))).size !== list.length) sameSubnet++;
  }
  for (const [name, rt] of apps) if ((perApp.get(name)?.length ?? 0) < rt.instances) shortApps++;
  const tiers = { CUMULUS: 0, NIMBUS: 0, STRATUS: 0 };
  for (const e of events) if (e.type === 'InstanceScheduled') tiers[nodes.get(e.data.nodeId)!.tier]++;
  return { over_capacity: overCapacity, rule_violations: ruleViolations, two_on_one_node: sameNode, two_in_one_16_synced: sameSubnet, short_apps: shortApps, instances_by_tier: tiers };
}

const log = (m: string) => process.stderr.write(`[perf/scheduler ${new Date().toISOString()}] ${m}\n`);

async function main() {
  const nats = await startNats();
  const db = await createTestDatabase('perfsched');
  // A read model needs no synchronous commit: its checkpoint commits with its rows, and the event
  // store is the truth (a commit lost to an OS crash is replayed). Set for the bench database, before
  // any connection to it (the seed's projection and the scheduler's).
  const admin = await db.dataSource();
  await admin.query(`ALTER DATABASE "${db.name}" SET synchronous_commit = off`);
  await admin.destroy();
  const store = await EventStore.connect({ servers: nats.url });
  const nodes = simulatedNodes(NODES);
  const apps = simulatedApps(nodes, APPS, C1M ? 'small' : 'flux');
  const run: Run = { natsUrl: nats.url, store, dbUrl: db.url, nodes, apps, instances: apps.reduce((a, x) => a + runtimeView(x.spec).instances, 0) };
  try {
    const raw = await rawPublish(run, run.instances);
    log(`raw publish: ${Math.round(raw)}/s`);
    const seeded = await seed(run);
    log(`seeded: ${JSON.stringify(seeded)}`);
    const beats: Heartbeats = C1M ? { stop: () => undefined, silence: () => undefined, lastBeat: new Float64Array(0) } : heartbeat(run);
    let placed: Awaited<ReturnType<typeof placeFromEmpty>> | undefined;
    try {
      placed = await placeFromEmpty(run, await store.lastSequence(), beats);
      log(`placed: ${placed.placements_per_s}/s in ${placed.place_all_s} s`);
      if (C1M) {
        const line = JSON.stringify({
          bench: 'scheduler-c1m', nodes: NODES, apps: APPS, instances: run.instances, placed: placed.placed, c1m_s: placed.place_all_s, placements_per_s: placed.placements_per_s,
          raw_publish_per_s: Math.round(raw), ratio: Number((placed.placements_per_s / raw).toFixed(3)), start_s: placed.start_s, place_peak_rss_mb: placed.place_peak_rss_mb,
          place_cpu_us_per_placement: placed.place_cpu_us_per_placement, scheduler_node_flags: SCHEDULER_NODE_FLAGS.join(' '), ...seeded,
          over_capacity: placed.over_capacity, rule_violations: placed.rule_violations, two_on_one_node: placed.two_on_one_node,
          two_in_one_16_synced: placed.two_in_one_16_synced, short_apps: placed.short_apps, instances_by_tier: placed.instances_by_tier,
        });
        process.stdout.write(`${line}\n`);
        if (!process.env.PERF_NO_WRITE) writeFileSync(join(ROOT, 'perf/results/scheduler-c1m.json'), `${line}\n`);
        return;
      }
      // PERF_LIVENESS=0: placement only, the scheduler stopped by SIGTERM (e.g. to write its --cpu-prof).
      if (process.env.PERF_LIVENESS === '0') {
        // PERF_HOLD_MS: keep the placed scheduler running that long (e.g. for a heap snapshot by its pid).
        log(`scheduler pid ${placed.sched.proc.pid}`);
        await new Promise((r) => setTimeout(r, Number(process.env.PERF_HOLD_MS ?? 0)));
        process.stdout.write(`${JSON.stringify({ bench: 'scheduler', phase: 'place', ...placed, sched: undefined, events: undefined, raw_publish_per_s: Math.round(raw) })}\n`);
        return;
      }
      const live = await liveness(run, placed.sched, placed.events, beats);
      const result = {
        bench: 'scheduler',
        nodes: NODES,
        apps: APPS,
        instances: run.instances,
        placements_per_s: placed.placements_per_s,
        place_all_s: placed.place_all_s,
        raw_publish_per_s: Math.round(raw),
        ratio: Number((placed.placements_per_s / raw).toFixed(3)),
        detect_s: live.detect_s,
        replace_after_detect_s: live.replace_after_detect_s,
        standby_takeover_s: live.standby_takeover_s,
        peak_rss_mb: live.peak_rss_mb,
        place_peak_rss_mb: placed.place_peak_rss_mb,
        heap_used_mb: placed.heap_used_mb,
        projection_lag_s: placed.projection_lag_s,
        place_cpu_us_per_placement: placed.place_cpu_us_per_placement,
        silent: live.silent,
        down_after_ms: DOWN_AFTER_MS,
        detect_p50_s: live.detect_p50_s,
        detect_seen_s: live.detect_seen_s,
        replaced_apps: live.replaced_apps,
        replaced_instances: live.replaced_instances,
        unhealed_apps: live.unhealed_apps,
        replace_after_detect_p50_s: live.replace_after_detect_p50_s,
        replace_after_detect_seen_s: live.replace_after_detect_seen_s,
        scheduler_node_flags: SCHEDULER_NODE_FLAGS.join(' '),
        scheduler_concurrency: Number(process.env.SCHEDULER_CONCURRENCY ?? 2048), // the scheduler's default
        append_conflicts: placed.append_conflicts,
        start_s: placed.start_s,
        standby_start_s: live.standby_start_s,
        standby_warm_s: live.standby_warm_s,
        ...seeded,
        over_capacity: placed.over_capacity,
        rule_violations: placed.rule_violations,
        two_on_one_node: placed.two_on_one_node,
        two_in_one_16_synced: placed.two_in_one_16_synced,
        short_apps: placed.short_apps,
        instances_by_tier: placed.instances_by_tier,
      };
      const line = JSON.stringify(result);
      process.stdout.write(`${line}\n`);
      if (!process.env.PERF_NO_WRITE) writeFileSync(join(ROOT, 'perf/results/scheduler.json'), `${line}\n`);
    } finally {
      beats.stop();
      if (placed) await stopScheduler(placed.sched);
    }
  } finally {
    await store.close();
    await nats.stop();
    await db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
