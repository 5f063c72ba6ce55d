/**
 * What a node does for an app, measured on a real local network (libs/devnet `startNetwork`: devchain,
 * every service, three node agents on their own /16 with their own Syncthing, HAProxy, Docker):
 *
 * - the node's own FluxBench figures (`/benchmark/getbenchmarks` through the gateway);
 * - start: from `InstanceScheduled` (as a subscriber on the bus sees it) to the app answering through
 *   HAProxy, over PERF_STARTS one-instance apps of the cached demo image (the image is in the local
 *   registry and on the engine, so the pull is a manifest check);
 * - sync: a 1 MB file written into the data folder of one instance of an `s:` app (on the host, into
 *   its mounted volume, so no `docker exec` overhead is counted) until it is complete, same bytes, in
 *   the other two instances' volumes, over PERF_WRITES writes.
 *
 * Run alone (it starts its own network), from the repo root after `npm run build`, as root with the
 * infrastructure up (`bash scripts/infra/up.sh`):
 *
 *   node perf/dist/node.js
 *
 * Prints one JSON line and saves it to perf/results/node.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { parseEvent, Subjects } from '@fluxplane/contracts';
import { demoSpec, deployApp, removeAppContainers, startNetwork, type Network } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';

const ROOT = resolve(__dirname, '../..');
const STARTS = Number(process.env.PERF_STARTS ?? 20);
const WRITES = Number(process.env.PERF_WRITES ?? 20);
const DOMAIN = 'perf.fluxplane.test';
const MB = 1024 * 1024;

/** Nearest-rank percentile of seconds, to the millisecond. */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 1000) / 1000;
}

/** HAProxy routes on the Host header, which `fetch` may not set. */
async function httpStatus(url: string, host: string): Promise<number> {
  return (await httpGet(url, { host, timeoutMs: 1000 }).catch(() => ({ status: 0 }))).status;
}

async function gateway<T>(net: Network, path: string): Promise<T> {
  const body = (await (await fetch(`${net.gatewayUrl}${path}`)).json()) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body.data)}`);
  return body.data;
}

/** InstanceScheduled → answered through HAProxy, for `count` one-instance apps deployed one after another. */
async function measureStarts(net: Network, key: string, tag: string, count: number): Promise<number[]> {
  const nc = await connect({ servers: net.nats.url });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const app = `perfstart${tag}${i}`;
      let scheduledAt: number | undefined;
      const sub = nc.subscribe(Subjects.placement(app), {
        callback: (_err, msg) => {
          const e = parseEvent(msg.json());
          if (e.type === 'InstanceScheduled' && scheduledAt === undefined) scheduledAt = performance.now();
        },
      });
      const port = await freePortOn(net.nodes.map((n) => n.ip));
      await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 1), key });
      const host = `${app}.app.${DOMAIN}`;
      await waitUntil(async () => scheduledAt !== undefined, { timeoutMs: 60_000, intervalMs: 5, what: `InstanceScheduled of ${app}` });
      await waitUntil(async () => (await httpStatus(`${net.haproxyUrl}/`, host)) === 200, { timeoutMs: 60_000, intervalMs: 10, what: `${host} answering through HAProxy` });
      samples.push((performance.now() - scheduledAt!) / 1000);
      sub.unsubscribe();
    }
  } finally {
    await nc.close();
  }
  return samples;
}

/** Where an instance of `app` keeps its data on its node: the appdata of its component `web`. */
function appdataOf(net: Network, app: string, ip: string): string {
  const node = net.nodes.find((n) => n.ip === ip);
  if (!node) throw new Error(`no node at ${ip}`);
  return join(node.dataDir, 'apps', `fluxweb_${app.toLowerCase()}`, 'appdata');
}

function sameFile(path: string, size: number, digest: string): boolean {
  if (!existsSync(path) || statSync(path).size !== size) return false;
  return createHash('sha256').update(readFileSync(path)).digest('hex') === digest;
}

/** A 1 MB file written into one instance's data until it is present, same bytes, in the other two. */
async function measureSync(net: Network, key: string, tag: string, count: number): Promise<number[]> {
  const app = `perfsync${tag}`;
  const port = await freePortOn(net.nodes.map((n) => n.ip));
  await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 3, { containerData: 's:/data' }), key });
  const where = await waitUntil(async () => {
    const l = await gateway<Array<{ ip: string }>>(net, `/apps/location/${app}`);
    return l.length === 3 && l;
  }, { timeoutMs: 120_000, what: `3 running instances of ${app}` });
  const dirs = where.map((l) => appdataOf(net, app, l.ip));
  // Every node's Syncthing shares the folder (its marker is there) before the first write.
  await waitUntil(async () => dirs.every((d) => existsSync(join(d, '.stfolder'))), { timeoutMs: 60_000, what: 'the synced folder on all three nodes' });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const data = randomBytes(MB);
    const digest = createHash('sha256').update(data).digest('hex');
    const name = `blob-${i}.bin`;
    const t0 = performance.now();
    writeFileSync(join(dirs[0]!, name), data);
    await waitUntil(async () => dirs.slice(1).every((d) => sameFile(join(d, name), MB, digest)), { timeoutMs: 60_000, intervalMs: 10, what: `${name} on the other two instances` });
    samples.push((performance.now() - t0) / 1000);
  }
  removeAppContainers(app);
  return samples;
}

async function main(): Promise<void> {
  const tag = randomBytes(2).toString('hex');
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const net = await startNetwork({ root: ROOT, nodeIps: ['127.71.0.1', '127.72.0.1', '127.73.0.1'], domain: DOMAIN });
  const apps: string[] = [];
  try {
    const node = net.nodes[0]!;
    // The bench service benchmarks each node once it is registered; ask for the figures it judged.
    const bench = await waitUntil(async () => {
      const b = await gateway<{ status: string; cores: number; ram: number; ssd: number; eps: number; ddwrite: number }>(net, `/benchmark/getbenchmarks?node=${encodeURIComponent(node.nodeId)}`).catch(() => undefined);
      return b && ['CUMULUS', 'NIMBUS', 'STRATUS'].includes(b.status) ? b : undefined;
    }, { timeoutMs: 120_000, what: 'the first node benchmarked' });
    const starts = await measureStarts(net, key, tag, STARTS);
    for (let i = 0; i < STARTS; i++) apps.push(`perfstart${tag}${i}`);
    const syncs = await measureSync(net, key, tag, WRITES);
    const line = {
      bench: 'node',
      nodes: net.nodes.length,
      tier: bench.status,
      cores: bench.cores,
      ram_gb: bench.ram,
      storage_gb: bench.ssd,
      eps: bench.eps,
      ddwrite_mb_s: bench.ddwrite,
      starts: starts.length,
      start_p50_s: percentile(starts, 50),
      start_p99_s: percentile(starts, 99),
      start_max_s: percentile(starts, 100),
      writes: syncs.length,
      sync_p50_s: percentile(syncs, 50),
      sync_p99_s: percentile(syncs, 99),
      sync_max_s: percentile(syncs, 100),
    };
    const out = JSON.stringify(line);
    console.log(out);
    mkdirSync(join(ROOT, 'perf/results'), { recursive: true });
    writeFileSync(join(ROOT, 'perf/results/node.json'), `${out}\n`);
  } finally {
    await net.stop();
    for (const app of apps) removeAppContainers(app);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
