/**
 * Hitless route changes, measured on a real local network (libs/devnet `startNetwork` with PowerDNS:
 * devchain, every service, three node agents on 127.97/98/99.0.1, HAProxy, Docker): a 3-instance demo
 * app under a constant light load through HAProxy (one GET every PERF_LOAD_INTERVAL_MS, bounded in
 * count and time), while
 * - PERF_CHANGES (≥ 100) instance changes: one instance at a time stopped by its owner on its node
 *   and started again (each stop and each start is one change), round robin over the nodes;
 * - then PERF_UPDATES (≥ 5) spec updates (RAM), each a rolling update of the three instances.
 *
 * Figures:
 * - requests / failed_requests: the load's GETs and those not answered 200 (502/503/no answer);
 * - reloads: HAProxy master reloads during the load (`show proc`), target 0;
 * - route_p50_ms / route_p99_ms: InstanceStarted → HAProxy serving that server (`show stat` UP), and
 *   InstanceStopped / InstanceUnscheduled / InstanceScheduled of another spec → the server no longer
 *   routed (DRAIN, MAINT or gone); the event's arrival on the bus starts the clock, HAProxy's admin
 *   socket is polled every 2 ms;
 * - dns_p99_ms: PERF_DNS_APPS new apps, AppRegistered → `<app>.app.<domain>` answered by PowerDNS.
 *
 * Run alone (it starts its own network), from the repo root after `npm run build`, as root with the
 * infrastructure up (`bash scripts/infra/up.sh`):   node perf/dist/routes.js
 * Prints one JSON line and saves it to perf/results/routes.json.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { nodeAgentRpc, parseEvent, Subjects } from '@fluxplane/contracts';
import { demoSpec, deployApp, HttpLoad, removeAppContainers, startNetwork, updateApp, type Network } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { call } from '@fluxplane/service-kit';
import { freePortOn, sleep, waitUntil } from '@fluxplane/testkit';

const ROOT = resolve(__dirname, '../..');
const CHANGES = Math.max(100, Number(process.env.PERF_CHANGES ?? 100));
const UPDATES = Math.max(5, Number(process.env.PERF_UPDATES ?? 5));
const DNS_APPS = Math.max(5, Number(process.env.PERF_DNS_APPS ?? 5));
const LOAD_INTERVAL_MS = Number(process.env.PERF_LOAD_INTERVAL_MS ?? 20);
const DOMAIN = 'perf-routes.fluxplane.test';
const run = promisify(execFile);

function percentileMs(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}

/** One command on an HAProxy CLI socket (admin or master). */
function haproxy(socket: string, command: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    const conn = createConnection(socket, () => conn.end(`${command}\n`));
    conn.setTimeout(2000, () => conn.destroy(new Error(`${command}: timed out`)));
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    conn.on('error', reject);
  });
}

/** `backend/server` → status (`UP`, `DOWN`, `DRAIN`, `MAINT`, …) from `show stat`. */
async function serverStatuses(adminSocket: string): Promise<Map<string, string>> {
  const lines = (await haproxy(adminSocket, 'show stat -1 4 -1')).split('\n');
  const cols = (lines[0] ?? '').replace(/^#\s*/, '').split(',');
  const [px, sv, st] = ['pxname', 'svname', 'status'].map((c) => cols.indexOf(c)) as [number, number, number];
  const out = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    if (f.length > st) out.set(`${f[px]}/${f[sv]}`, f[st]!);
  }
  return out;
}

async function masterReloads(masterSocket: string): Promise<number> {
  return Number(/(\d+)\s+master\s+(\d+)/.exec(await haproxy(masterSocket, 'show proc'))?.[2] ?? NaN);
}

/**
 * Times every route change of the app: from an instance event's arrival to HAProxy doing it. Each
 * event gets its own poller of `show stat` (the changes of one instance are sequential).
 */
class RouteClock {
  readonly samples: number[] = [];
  readonly timeouts: string[] = [];
  private readonly running = new Set<Promise<void>>();
  /** The spec each node's instance runs, to tell a rollout (InstanceScheduled of another spec) from a first placement. */
  private readonly specs = new Map<string, string>();

  constructor(private readonly net: Network, private readonly backend: string, private readonly port: number) {}

  observe(type: string, data: { nodeId: string; specHash?: string }): void {
    const node = this.net.nodes.find((n) => n.nodeId === data.nodeId);
    if (!node) return;
    const server = `${this.backend}/${node.ip}:${this.port}`;
    let want: 'up' | 'out' | undefined;
    if (type === 'InstanceStarted') {
      this.specs.set(data.nodeId, data.specHash ?? '');
      want = 'up';
    } else if (type === 'InstanceStopped' || type === 'InstanceUnscheduled') {
      want = 'out';
    } else if (type === 'InstanceScheduled' && this.specs.has(data.nodeId) && this.specs.get(data.nodeId) !== data.specHash) {
      want = 'out';
    }
    if (!want) return;
    const t0 = performance.now();
    const p = (async () => {
      const deadline = t0 + 30_000;
      while (performance.now() < deadline) {
        const status = (await serverStatuses(this.net.settings.haproxy.adminSocket).catch(() => new Map<string, string>())).get(server);
        const up = status !== undefined && /^UP\b/.test(status);
        if ((want === 'up' && up) || (want === 'out' && !up)) {
          this.samples.push(performance.now() - t0);
          return;
        }
        await sleep(2);
      }
      this.timeouts.push(`${type} ${server}: not ${want} within 30 s`);
    })();
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  async settle(): Promise<void> {
    await Promise.all([...this.running]);
  }
}

async function resolves(net: Network, name: string): Promise<boolean> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(net.settings.dns!.dnsPort), name, 'A', '+short', '+time=1', '+tries=1']).catch(() => ({ stdout: '' }));
  return stdout.trim().length > 0;
}

/** AppRegistered → its name answered by PowerDNS, for `count` new apps (no instance needed: records point at the load balancers). */
async function measureDns(net: Network, key: string, tag: string, count: number): Promise<number[]> {
  const nc = await connect({ servers: net.nats.url });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const app = `perfdns${tag}${i}`;
      let registeredAt: number | undefined;
      const sub = nc.subscribe(Subjects.app(app), {
        callback: (_err, msg) => {
          if (registeredAt === undefined && parseEvent(msg.json()).type === 'AppRegistered') registeredAt = performance.now();
        },
      });
      const port = await freePortOn(net.nodes.map((n) => n.ip));
      await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 1), key });
      await waitUntil(async () => registeredAt !== undefined, { timeoutMs: 60_000, intervalMs: 5, what: `AppRegistered of ${app}` });
      await waitUntil(() => resolves(net, `${app}.app.${DOMAIN}`), { timeoutMs: 60_000, intervalMs: 5, what: `${app} resolving` });
      samples.push(performance.now() - registeredAt!);
      sub.unsubscribe();
    }
  } finally {
    await nc.close();
  }
  return samples;
}

async function main(): Promise<void> {
  const tag = randomBytes(2).toString('hex');
  const app = `perfroute${tag}`;
  const host = `${app}.app.${DOMAIN}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const load1Before = loadavg()[0]!;
  const net = await startNetwork({ root: ROOT, nodeIps: ['127.97.0.1', '127.98.0.1', '127.99.0.1'], domain: DOMAIN, dns: {} });
  const nc = await connect({ servers: net.nats.url });
  const dnsApps: string[] = [];
  try {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    const backend = `be_${app}_${port}`;
    const clock = new RouteClock(net, backend, port);
    const routed = new Map<string, string>();
    for (const subject of [`${Subjects.instance(app, 'x').replace(/\.x$/, '')}.>`, Subjects.placement(app), Subjects.route(app)]) {
      nc.subscribe(subject, {
        callback: (_err, msg) => {
          const e = parseEvent(msg.json());
          if (e.type === 'InstanceRouted') routed.set(e.data.nodeId, e.data.specHash);
          else if (e.type === 'InstanceDrained') { if (routed.get(e.data.nodeId) === e.data.specHash) routed.delete(e.data.nodeId); }
          else if ('nodeId' in e.data) clock.observe(e.type, e.data as { nodeId: string; specHash?: string });
        },
      });
    }
    let spec = demoSpec(app, key, port, 3);
    let hash = await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec, key });
    const allRouted = (h: string, what: string) => waitUntil(async () => [...routed.values()].filter((s) => s === h).length === 3, { timeoutMs: 180_000, intervalMs: 20, what });
    await allRouted(hash, 'three instances routed');
    await clock.settle();
    clock.samples.length = 0; // only changes under load count

    const reloadsBefore = await masterReloads(net.settings.haproxy.masterSocket);
    const load = new HttpLoad({ url: `${net.haproxyUrl}/cgi-bin/counter`, host, intervalMs: LOAD_INTERVAL_MS, maxRequests: 200_000, maxMs: 30 * 60_000 });
    load.start();
    const started = performance.now();

    // Changes: stop one instance (its owner, on its node), start it again; round robin over the nodes.
    let changes = 0;
    for (let i = 0; changes < CHANGES; i++) {
      const node = net.nodes[i % net.nodes.length]!;
      const rpc = nodeAgentRpc(node.nodeId);
      await call(nc, rpc.appControl, { app, action: 'stop' }, 60_000);
      changes++;
      await waitUntil(async () => !routed.has(node.nodeId), { timeoutMs: 60_000, intervalMs: 5, what: `${node.nodeId} drained` });
      await call(nc, rpc.appControl, { app, action: 'start' }, 60_000);
      changes++;
      await waitUntil(async () => routed.get(node.nodeId) === hash, { timeoutMs: 60_000, intervalMs: 5, what: `${node.nodeId} routed again` });
    }
    const changesS = (performance.now() - started) / 1000;

    // Updates: a new RAM each time, a rolling update of the three instances.
    for (let u = 1; u <= UPDATES; u++) {
      spec = { ...spec, compose: (spec.compose as Array<Record<string, unknown>>).map((c) => ({ ...c, ram: 100 + 10 * u })) };
      hash = await updateApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec, key });
      await allRouted(hash, `update ${u} rolled out`);
    }
    await sleep(1000);
    const { requests, failed } = await load.stop();
    const loadS = (performance.now() - started) / 1000;
    await clock.settle();
    const reloads = (await masterReloads(net.settings.haproxy.masterSocket)) - reloadsBefore;

    for (let i = 0; i < DNS_APPS; i++) dnsApps.push(`perfdns${tag}${i}`);
    const dns = await measureDns(net, key, tag, DNS_APPS);

    const out = JSON.stringify({
      bench: 'routes',
      changes, updates: UPDATES, requests, failed_requests: failed, reloads,
      route_p50_ms: percentileMs(clock.samples, 50), route_p99_ms: percentileMs(clock.samples, 99), route_samples: clock.samples.length, route_timeouts: clock.timeouts.length,
      dns_p99_ms: percentileMs(dns, 99), dns_samples: dns.length,
      load_interval_ms: LOAD_INTERVAL_MS, changes_s: Math.round(changesS), load_s: Math.round(loadS),
      failures: load.failures.slice(0, 5),
      machine: { loadavg_1m_before: Math.round(load1Before * 100) / 100, loadavg_1m_after: Math.round(loadavg()[0]! * 100) / 100 },
      at: new Date().toISOString(),
    });
    console.log(out);
    mkdirSync(join(ROOT, 'perf/results'), { recursive: true });
    writeFileSync(join(ROOT, 'perf/results/routes.json'), `${out}\n`);
  } finally {
    await nc.close();
    await net.stop();
    removeAppContainers(app);
    for (const a of dnsApps) removeAppContainers(a);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
