/**
 * The gateway's hot read routes at Flux's scale: 5,000 apps with 3 running instances each (15,000
 * location rows) on 3,000 nodes, written as events into a real event store (private nats-server,
 * JetStream file storage) and projected by the real read models (app-registry and stats services;
 * the scheduler's own projection and locations query, without its placement loop, which would decide
 * again what this benchmark wrote). The gateway (NestJS on Fastify, the production module) answers
 * from its snapshots.
 *
 * A load generator in a worker thread (undici, keep-alive HTTP/1.1 over loopback, PERF_CONNECTIONS
 * connections, each request after the previous answer; bounded by PERF_ROUTE_MS and PERF_MAX_REQUESTS
 * per route) reads, one after the other, `/apps/globalappsspecifications`, `/apps/locations`,
 * `/apps/location/<app>` (cycling through every app) and `/stats`, and right after each the same
 * number of bytes as a static JSON file, read from disk once and sent from memory by a plain Fastify
 * route of the same server (same plugins and hooks): the HTTP stack's ceiling for that size. Routes
 * are read as FDM and browsers read them, accepting gzip (the long answers go compressed; the static
 * file has as many bytes as went on the wire); the compressed ones are read again accepting no
 * encoding (`identity` in the line).
 *
 *   npm run build && node perf/dist/gateway.js
 *
 * Run alone (`flock /tmp/fluxplane-heavy.lock node perf/dist/gateway.js`). Prints one JSON line and
 * saves it to perf/results/gateway.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool, request as undiciRequest } from 'undici';
import { Module, type OnModuleInit } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Rpc, Subjects, type EventEnvelope } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { exampleSpec, formatSpec, runtimeView } from '@fluxplane/flux-spec';
import { call, createLogger, loadConfig, ProjectionHost, Responder, serviceModule, startService, BaseConfig, type Logger } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, startNats, waitUntil } from '@fluxplane/testkit';
import { GatewayModule } from '@fluxplane/gateway/dist/app.module';
import { GatewayConfig } from '@fluxplane/gateway/dist/config';
import { configureHttp } from '@fluxplane/gateway/dist/http';
import { AppRegistryModule } from '@fluxplane/app-registry/dist/app.module';
import { RegistryConfig } from '@fluxplane/app-registry/dist/config';
import { StatsModule } from '@fluxplane/stats/dist/app.module';
import { StatsConfig } from '@fluxplane/stats/dist/config';
import { SchedulerProjection } from '@fluxplane/scheduler/dist/projections/scheduler.projection';
import { SchedulerStateReader } from '@fluxplane/scheduler/dist/projections/scheduler-state.reader';
import { LocationsQuery } from '@fluxplane/scheduler/dist/api/locations.queries';
import { SCHEMA as SCHEDULER_SCHEMA } from '@fluxplane/scheduler/dist/projections/tables';
import { ClusterState } from '@fluxplane/scheduler/dist/domain';

const ROOT = resolve(__dirname, '../..');
const APPS = Number(process.env.PERF_APPS ?? 5000);
const INSTANCES = 3;
const NODES = Number(process.env.PERF_NODES ?? 3000);
const CONNECTIONS = Number(process.env.PERF_CONNECTIONS ?? 32);
const ROUTE_MS = Number(process.env.PERF_ROUTE_MS ?? 5000);
const WARMUP_MS = Number(process.env.PERF_WARMUP_MS ?? 1000);
const MAX_REQUESTS = Number(process.env.PERF_MAX_REQUESTS ?? 500_000);
const IN_FLIGHT = 512;
const TIERS = ['CUMULUS', 'NIMBUS', 'STRATUS'] as const;

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const hex64 = (n: number, salt: string) => (salt + n.toString(16)).padStart(64, '0').slice(-64);
const nodeIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Runs `work` for every index with at most `limit` in flight. */
async function pool(count: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

/** The network as events: nodes registered and heard, apps registered, each instance scheduled and started. */
function networkEvents(): EventEnvelope[] {
  const events: EventEnvelope[] = [];
  for (let i = 0; i < NODES; i++) {
    events.push(makeEvent('NodeRegistered', Subjects.chain(), { nodeId: `node${i}`, ip: nodeIp(i), tier: TIERS[i % 3]!, collateralSat: 1000e8, txid: hex64(i, 'n'), height: 1 }));
    // A node counts up only once heard: what the scheduler appends at its first heartbeat.
    events.push(makeEvent('NodeCameBack', Subjects.node(`node${i}`), { nodeId: `node${i}` }));
  }
  const base = formatSpec({ ...exampleSpec(8), instances: INSTANCES }) as unknown as Record<string, unknown>;
  for (let a = 0; a < APPS; a++) {
    const name = `perfapp${a}`;
    const spec = { ...base, name, description: `benchmark app ${a}` };
    const hash = hex64(a, 'a');
    const runtime = runtimeView(spec);
    events.push(makeEvent('AppRegistered', Subjects.app(name), {
      name, hash, owner: String(base.owner), spec, runtime, txid: hex64(a, 't'), height: 2, expireBlocks: 22_000, expiresAtHeight: 22_002, timestamp: 1_700_000_000_000 + a, signature: 'sig', amountSat: 1,
    }));
    for (let k = 0; k < INSTANCES; k++) {
      const n = (a * INSTANCES + k) % NODES;
      const nodeId = `node${n}`;
      const components = runtime.components.map((c) => ({
        name: c.name, image: c.image, ports: c.ports.map((p) => ({ host: p.host, container: p.container })), environment: c.environment, commands: c.commands,
        containerData: c.data?.raw ?? '', data: c.data, cpu: 0.5, ramMb: 500, hddGb: 5,
      }));
      events.push(makeEvent('InstanceScheduled', Subjects.placement(name), { app: name, nodeId, nodeIp: nodeIp(n), specHash: hash, components, reason: 'perf' } as never));
      events.push(makeEvent('InstanceStarted', Subjects.instance(name, nodeId), { app: name, nodeId, ip: nodeIp(n), specHash: hash, ports: [], containers: [] }));
    }
  }
  return events;
}

/** The scheduler's projection and its locations query only (no placement loop, no liveness). */
@Module({})
class LocationsOnlyModule implements OnModuleInit {
  constructor(private readonly host: ProjectionHost, private readonly projection: SchedulerProjection, private readonly responder: Responder, private readonly locations: LocationsQuery) {}
  onModuleInit() {
    this.host.register(this.projection);
    this.responder.serve(Rpc.appLocations, (req) => this.locations.handle(req));
  }
  static forRoot(config: BaseConfig, logger: Logger) {
    return serviceModule(LocationsOnlyModule, { name: 'scheduler', config, logger, database: { schema: SCHEDULER_SCHEMA } }, {
      providers: [{ provide: ClusterState, useFactory: () => new ClusterState() }, SchedulerProjection, SchedulerStateReader, LocationsQuery],
    });
  }
}

interface LoadJob { port: number; paths: string[]; connections: number; durationMs: number; maxRequests: number; headers: Record<string, string> }
interface LoadResult { requests: number; errors: number; seconds: number; p99_ms: number; p50_ms: number; bytes: number }

/** The load generator (worker thread): undici keep-alive connections, each sends its next request after the answer. */
async function generateLoad(job: LoadJob): Promise<LoadResult> {
  const pool = new Pool(`http://127.0.0.1:${job.port}`, { connections: job.connections, pipelining: 1 });
  const latencies = new Float64Array(job.maxRequests);
  let sent = 0;
  let done = 0;
  let errors = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + job.durationMs;
  await Promise.all(Array.from({ length: job.connections }, async () => {
    while (sent < job.maxRequests && Date.now() < deadline) {
      const path = job.paths[sent % job.paths.length]!;
      sent++;
      const start = process.hrtime.bigint();
      try {
        const res = await pool.request({ path, method: 'GET', headers: job.headers });
        if (res.statusCode !== 200) errors++;
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      } catch {
        errors++;
      }
      latencies[done++] = Number(process.hrtime.bigint() - start) / 1e6;
    }
  }));
  const elapsed = seconds(t0);
  await pool.close();
  const sorted = latencies.subarray(0, done).sort();
  const at = (p: number) => Math.round((sorted[Math.min(done - 1, Math.max(0, Math.ceil(p * done) - 1))] ?? 0) * 100) / 100;
  return { requests: done, errors, seconds: elapsed, p99_ms: at(0.99), p50_ms: at(0.5), bytes };
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((res, rej) => {
    const worker = new Worker(__filename, { workerData: job });
    worker.once('message', (r: LoadResult) => { res(r); void worker.terminate(); });
    worker.once('error', rej);
  });
}

async function main(): Promise<void> {
  process.env.NODE_ENV = 'production'; // as deployed: replies are not re-validated by their responder
  const silent = createLogger('perf', 'silent');
  const nats = await startNats();
  const db = await createTestDatabase('perfgw');
  const staticDir = mkdtempSync(join(tmpdir(), 'fluxplane-perf-gateway-'));
  const apps: NestFastifyApplication[] = [];
  const store = await EventStore.connect({ servers: nats.url });
  try {
    // 1. The network, as events.
    const events = networkEvents();
    let t0 = process.hrtime.bigint();
    await pool(events.length, IN_FLIGHT, async (i) => { await store.append(events[i]!.subject, [events[i]!], 'any'); });
    const appendS = seconds(t0);

    // 2. The read models, projected from them. Loading is setup, not measured: commits need not wait
    // for the disk (the projections commit once per event).
    const admin = await db.dataSource();
    await admin.query(`ALTER DATABASE ${db.name} SET synchronous_commit TO off`);
    t0 = process.hrtime.bigint();
    const common = { NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const startOne = async <C extends BaseConfig>(config: C, module: ReturnType<typeof GatewayModule.forRoot>) => {
      const app = await startService({ module, config, logger: silent });
      apps.push(app);
      return app;
    };
    const rcfg = loadConfig(RegistryConfig, { ...common, HTTP_PORT: String(await freePort()) });
    await startOne(rcfg, AppRegistryModule.forRoot(rcfg, silent));
    const scfg = loadConfig(StatsConfig, { ...common, HTTP_PORT: String(await freePort()) });
    await startOne(scfg, StatsModule.forRoot(scfg, silent));
    const lcfg = loadConfig(BaseConfig, { ...common, HTTP_PORT: String(await freePort()) });
    await startOne(lcfg, LocationsOnlyModule.forRoot(lcfg, silent));
    // Whole lists exceed one NATS message at this scale: check the last row of each is there.
    let lastReport = Date.now();
    await waitUntil(async () => {
      const [specs, locations, stats] = await Promise.all([
        call(store.nc, Rpc.appSpecs, { offset: APPS - 1, limit: 2 }, 60_000),
        call(store.nc, Rpc.appLocations, { offset: APPS * INSTANCES - 1, limit: 2 }, 60_000),
        call(store.nc, Rpc.statsSummary, {}, 60_000),
      ]);
      const done = specs.length === 1 && locations.length === 1 && stats.instances.running === APPS * INSTANCES;
      if (!done && Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        process.stderr.write(`projecting: last spec ${specs.length ? 'in' : 'not yet'}, last location ${locations.length ? 'in' : 'not yet'}, running ${stats.instances.running} of ${APPS * INSTANCES}\n`);
      }
      return done;
    }, { what: 'read models caught up', timeoutMs: 1_800_000, intervalMs: 1000 });
    const projectS = seconds(t0);

    // 3. The gateway, with a static JSON file route beside its own.
    const port = await freePort();
    const gcfg = loadConfig(GatewayConfig, { NATS_URL: nats.url, LOG_LEVEL: 'silent', HTTP_PORT: String(port), RATE_LIMIT_PER_MINUTE: String(1e9), REQUEST_TIMEOUT_MS: '60000' });
    const statics = new Map<string, Buffer>();
    const gateway = await startService({
      module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, bodyLimitBytes: gcfg.BODY_LIMIT_BYTES,
      configure: async (app) => {
        await configureHttp(app, gcfg);
        app.getHttpAdapter().getInstance().get('/perf-static/:file', (req, reply) => {
          const body = statics.get((req.params as { file: string }).file);
          if (!body) return reply.code(404).send();
          return reply.header('content-type', 'application/json; charset=utf-8').send(body);
        });
      },
    });
    apps.push(gateway);

    const routes: Array<{ route: string; paths: string[] }> = [
      { route: '/apps/globalappsspecifications', paths: ['/apps/globalappsspecifications'] },
      { route: '/apps/locations', paths: ['/apps/locations'] },
      { route: '/apps/location/:app', paths: Array.from({ length: APPS }, (_, a) => `/apps/location/perfapp${a}`) },
      { route: '/stats', paths: ['/stats'] },
    ];
    const results: Record<string, unknown> = {};
    const ratios: number[] = [];
    let staticFiles = 0;
    /**
     * One route under load, then a static file of as many bytes on the wire (valid JSON, sent as it
     * is by a plain route of the same server): the HTTP stack's ceiling for that size.
     */
    const measure = async (paths: string[], headers: Record<string, string>) => {
      const first = await undiciRequest(`http://127.0.0.1:${port}${paths[0]}`, { headers });
      const wireBytes = Buffer.from(await first.body.arrayBuffer()).length;
      const shell = '{"status":"success","data":""}';
      const name = `route${staticFiles++}.json`;
      const file = join(staticDir, name);
      writeFileSync(file, `{"status":"success","data":"${'x'.repeat(Math.max(0, wireBytes - shell.length))}"}`);
      statics.set(name, readFileSync(file));
      const job = (p: string[], durationMs: number, h: Record<string, string>): LoadJob => ({ port, paths: p, connections: CONNECTIONS, durationMs, maxRequests: MAX_REQUESTS, headers: h });
      await runLoad(job(paths, WARMUP_MS, headers));
      await runLoad(job([`/perf-static/${name}`], WARMUP_MS, {}));
      const routed = await runLoad(job(paths, ROUTE_MS, headers));
      const fixed = await runLoad(job([`/perf-static/${name}`], ROUTE_MS, {}));
      const rps = routed.requests / routed.seconds;
      const staticRps = fixed.requests / fixed.seconds;
      return {
        bytes: wireBytes, encoding: first.headers['content-encoding'] ?? 'identity',
        req_per_s: Math.round(rps), p99_ms: routed.p99_ms, p50_ms: routed.p50_ms, requests: routed.requests, errors: routed.errors,
        static: { req_per_s: Math.round(staticRps), p99_ms: fixed.p99_ms, p50_ms: fixed.p50_ms, requests: fixed.requests, errors: fixed.errors },
        ratio: Math.round((rps / staticRps) * 100) / 100,
      };
    };
    for (const r of routes) {
      // As FDM and browsers read: gzip accepted (long answers are sent compressed); then, for those,
      // the same route read by a client that accepts no encoding.
      const asRead = await measure(r.paths, { 'accept-encoding': 'gzip, deflate' });
      ratios.push(asRead.ratio);
      const identity = asRead.encoding === 'gzip' ? await measure(r.paths, {}) : undefined;
      results[r.route] = { ...asRead, ...(identity ? { identity } : {}) };
    }
    // How often the snapshots were read from their services during the whole run (not per request).
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const refreshes: Record<string, number> = {};
    for (const line of metrics.split('\n')) {
      if (!line.startsWith('fluxplane_gateway_snapshot_refreshes_total{')) continue;
      const snapshot = /snapshot="([^"]+)"/.exec(line)?.[1];
      const changed = /changed="([^"]+)"/.exec(line)?.[1];
      refreshes[`${snapshot}${changed === 'true' ? '' : '_unchanged'}`] = Number(line.split(' ').at(-1));
    }
    const out = JSON.stringify({
      bench: 'gateway', apps: APPS, instances: APPS * INSTANCES, nodes: NODES, connections: CONNECTIONS, route_s: ROUTE_MS / 1000,
      events: events.length, append_s: Math.round(appendS * 10) / 10, project_s: Math.round(projectS * 10) / 10,
      routes: results, ratio: Math.min(...ratios), snapshot_refreshes: refreshes,
    });
    process.stdout.write(`${out}\n`);
    mkdirSync(join(ROOT, 'perf/results'), { recursive: true });
    writeFileSync(join(ROOT, 'perf/results/gateway.json'), `${out}\n`);
  } finally {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await nats.stop().catch(() => undefined);
    rmSync(staticDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(() => process.exit(0), (err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
} else {
  void generateLoad(workerData as LoadJob).then((r) => parentPort!.postMessage(r));
}
