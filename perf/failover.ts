/**
 * `g:` failover, measured on a real local network (libs/devnet `startNetwork`: devchain, every service,
 * three node agents on 127.87/88/89.0.1 with their own Syncthing, HAProxy, Docker): the demo counter
 * (`g:/data`, 3 instances) with a client POSTing to it through HAProxy the whole time, and PERF_TRIALS
 * (≥ 20) times the master's node killed — agent SIGKILLed and its containers removed — then its agent
 * restarted (it rejoins as a replica) before the next trial.
 *
 * Per trial:
 * - failover: kill → the first POST acknowledged by another node;
 * - two masters (observed): an acknowledgement from the old node after one from the new node, or more
 *   than one container of the app running at once (`docker ps`, sampled every 250 ms all along);
 * - acked writes lost: the old master's highest acknowledged count minus the count the new master
 *   started from (its first answer − 1); `sync_window_s` is the longest time span of acknowledged writes
 *   a new master lacked (0 when none was lost), i.e. how stale its last complete sync was.
 *
 * Run alone (it starts its own network), from the repo root after `npm run build`, as root with the
 * infrastructure up (`bash scripts/infra/up.sh`):   node perf/dist/failover.js
 * Prints one JSON line and saves it to perf/results/failover.json.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { counterOnDisk, counterRequest, demoSpec, deployApp, killNode, removeAppContainers, restartNodeAgent, startNetwork, type Network } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, sleep, waitUntil } from '@fluxplane/testkit';

const ROOT = resolve(__dirname, '../..');
const TRIALS = Math.max(20, Number(process.env.PERF_TRIALS ?? 20));
const DOMAIN = 'perf-failover.fluxplane.test';
const run = promisify(execFile);

/** Nearest-rank percentile of seconds, to the millisecond. */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 1000) / 1000;
}

interface Ack { at: number; count: number; node: string }

/** POSTs one after another for as long as it runs; every acknowledgement is kept. */
class Writer {
  readonly acks: Ack[] = [];
  private stopped = false;
  private done?: Promise<void>;
  constructor(private readonly url: string, private readonly host: string) {}
  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const a = await counterRequest(this.url, this.host, 'POST', 2000);
        if (a) this.acks.push({ at: Date.now(), ...a });
        else await sleep(20);
      }
    })();
  }
  async stop(): Promise<void> { this.stopped = true; await this.done; }
  last(): Ack | undefined { return this.acks.at(-1); }
}

/** Samples how many containers of the app run, all along; remembers every sample above one. */
class ContainerWatch {
  readonly overlaps: number[] = [];
  private stopped = false;
  private done?: Promise<void>;
  constructor(private readonly app: string) {}
  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${this.app}`]).catch(() => ({ stdout: '' }));
        if (stdout.split(/\s+/).filter(Boolean).length > 1) this.overlaps.push(Date.now());
        await sleep(250);
      }
    })();
  }
  async stop(): Promise<void> { this.stopped = true; await this.done; }
}

async function trial(net: Network, app: string, writer: Writer, watch: ContainerWatch) {
  // Steady state: the master acknowledges writes.
  const before = await waitUntil(() => { const a = writer.last(); return a && Date.now() - a.at < 300 && a; }, { timeoutMs: 60_000, intervalMs: 50, what: 'writes acknowledged by a master' });
  const old = before.node;
  const victim = net.nodes.findIndex((n) => n.nodeId === old);
  if (victim < 0) throw new Error(`master ${old} is not a node of this network`);
  const from = writer.acks.length;
  const overlapsBefore = watch.overlaps.length;
  const t0 = Date.now();
  await killNode(net, victim, app);
  const first = await waitUntil(() => writer.acks.slice(from).find((a) => a.node !== old), { timeoutMs: 60_000, intervalMs: 20, what: 'a write acknowledged by a new master' });
  const failoverS = (first.at - t0) / 1000;
  // Answers from the old node once the new one answered would be two masters serving.
  await sleep(1000);
  const after = writer.acks.slice(from);
  const firstNewIdx = after.indexOf(first);
  const interleaved = after.slice(firstNewIdx).some((a) => a.node === old);
  const oldAcks = writer.acks.filter((a) => a.node === old);
  const lastOld = oldAcks.at(-1)!;
  const startedFrom = first.count - 1;
  const lost = Math.max(0, lastOld.count - startedFrom);
  const had = writer.acks.find((a) => a.count === startedFrom && a.node === old);
  const windowS = lost > 0 && had ? (lastOld.at - had.at) / 1000 : 0;

  // The dead node comes back (as a replica) and catches up before the next trial.
  restartNodeAgent(net, victim);
  await waitUntil(() => { const c = counterOnDisk(net.nodes[victim]!.dataDir, app); const l = writer.last(); return c !== undefined && l !== undefined && c >= l.count - 50 && c > lastOld.count; }, { timeoutMs: 120_000, intervalMs: 200, what: `node ${victim + 1} back and synced` });
  await sleep(2000); // a fresh sync report from it makes it eligible again
  return { failoverS, twoMasters: interleaved || watch.overlaps.length > overlapsBefore, lost, windowS, from: old, to: first.node };
}

async function main(): Promise<void> {
  const net = await startNetwork({ root: ROOT, nodeIps: ['127.87.0.1', '127.88.0.1', '127.89.0.1'], domain: DOMAIN });
  const app = `pfo${randomBytes(3).toString('hex')}`;
  const host = `${app}.app.${DOMAIN}`;
  const writer = new Writer(net.haproxyUrl, host);
  const watch = new ContainerWatch(app);
  try {
    const key = Buffer.from(randomPrivateKey()).toString('hex');
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 3, { containerData: 'g:/data' }), key });
    await waitUntil(() => counterRequest(net.haproxyUrl, host, 'GET'), { timeoutMs: 180_000, intervalMs: 300, what: `${host} answering` });
    writer.start();
    watch.start();
    // Every replica holds the data before the first kill.
    await waitUntil(() => net.nodes.every((n) => (counterOnDisk(n.dataDir, app) ?? 0) > 0), { timeoutMs: 60_000, intervalMs: 200, what: 'the counter on all three nodes' });
    await sleep(2000);
    const results: Awaited<ReturnType<typeof trial>>[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const r = await trial(net, app, writer, watch);
      results.push(r);
      process.stderr.write(`trial ${i + 1}/${TRIALS}: ${JSON.stringify(r)}\n`);
    }
    await writer.stop();
    await watch.stop();
    const s = results.map((r) => r.failoverS);
    const out = JSON.stringify({
      bench: 'failover', trials: results.length, p50_s: percentile(s, 50), p99_s: percentile(s, 99), max_s: percentile(s, 100),
      two_masters: results.filter((r) => r.twoMasters).length, acked_writes_lost: results.reduce((n, r) => n + r.lost, 0),
      sync_window_s: Math.max(0, ...results.map((r) => r.windowS)), writes_acked: writer.acks.length,
    });
    console.log(out);
    mkdirSync(join(ROOT, 'perf/results'), { recursive: true });
    writeFileSync(join(ROOT, 'perf/results/failover.json'), `${out}\n`);
  } finally {
    await writer.stop();
    await watch.stop();
    await net.stop();
    removeAppContainers(app);
  }
}

main().catch((err) => {
  process.stderr.write(`failover bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
