#!/usr/bin/env node
/**
 * The devnet: the whole system on this machine, left running.
 *   node libs/devnet/dist/cli.js up | down | status | reset   (reset wipes the devnet's state)
 * `scripts/devnet.sh` installs and starts the infrastructure first, then runs `up`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addressFromPrivateKey, randomPrivateKey } from '@fluxplane/flux-spec';
import { httpGet, waitUntil } from '@fluxplane/testkit';
import { isAlive, ProcessGroup, readPidFiles, removePidFile, stopPid } from './processes';
import { DEVCHAIN_RULES_HEIGHT_OFFSET, DevnetSettings, devchainProcess, NodeSpec, serviceProcesses } from './topology';
import { deployApp, ensureNode, waitDevchain, waitHealthy } from './network';
import { wipeDevnetState } from './reset';

const ROOT = resolve(__dirname, '../../..');
const DEVNET = process.env.FLUXPLANE_DEVNET_DIR ?? join(ROOT, '.devnet');
const RUN = process.env.FLUXPLANE_RUN ?? join(DEVNET, 'run');
const PIDS = join(DEVNET, 'pids');
const LOGS = join(DEVNET, 'logs');
const DOMAIN = process.env.APP_DOMAIN ?? 'fluxplane.test';
const HAPROXY_BIND = `127.0.0.1:${process.env.HAPROXY_HTTP_PORT ?? '18080'}`;
const DEVCHAIN_URL = 'http://127.0.0.1:16124';
const NODE_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const DEMO_APP = 'demo';
const DEMO_PORT = 39001;

const settings: DevnetSettings = {
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fluxplane',
  domain: DOMAIN,
  haproxy: {
    config: join(RUN, 'haproxy/haproxy.cfg'), map: join(RUN, 'haproxy/hosts.map'),
    masterSocket: join(RUN, 'haproxy/master.sock'), adminSocket: join(RUN, 'haproxy/admin.sock'), bind: HAPROXY_BIND,
  },
  devchainUrl: DEVCHAIN_URL,
  registryMirror: '127.0.0.1:5000',
  ports: { gateway: 16127, stats: 16140, appRegistry: 16141, chainIndexer: 16142, scheduler: 16143, bench: 16144, domainManager: 16145 },
  rulesHeightOffset: DEVCHAIN_RULES_HEIGHT_OFFSET,
};

const say = (line: string) => process.stdout.write(`${line}\n`);

function ownerKey(): string {
  const file = join(DEVNET, 'owner.key');
  if (!existsSync(file)) writeFileSync(file, `${Buffer.from(randomPrivateKey()).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function running(): Map<string, number> {
  return new Map(readPidFiles(PIDS).filter((p) => isAlive(p.pid)).map((p) => [p.name, p.pid]));
}

async function up(): Promise<void> {
  mkdirSync(DEVNET, { recursive: true });
  const group = new ProcessGroup({ root: ROOT, logDir: LOGS, pidDir: PIDS, detached: true });
  const alive = running();
  if (!alive.has('devchain')) {
    group.start(devchainProcess({ host: '127.0.0.1', port: 16124, blockIntervalMs: 2000, dataFile: join(DEVNET, 'devchain.jsonl') }));
  }
  await waitDevchain(DEVCHAIN_URL);
  const nodes: NodeSpec[] = [];
  for (const ip of NODE_IPS) nodes.push({ nodeId: await ensureNode(DEVCHAIN_URL, ip, 1000), ip, httpPort: 16127 });
  const procs = serviceProcesses(settings, nodes);
  for (const p of procs) if (!alive.has(p.name)) group.start(p);
  for (const p of procs) await waitHealthy(group, p.name, Number(p.env.HTTP_PORT), 90_000, p.env.HTTP_HOST).catch((err) => {
    throw new Error(`${p.name} did not become healthy (log: ${join(LOGS, `${p.name}.log`)}): ${(err as Error).message}`);
  });
  say(`services up: ${procs.map((p) => p.name).join(', ')}`);

  const gateway = `http://127.0.0.1:${settings.ports.gateway}`;
  const existing = (await (await fetch(`${gateway}/apps/appspecifications/${DEMO_APP}`)).json()) as { status: string };
  if (existing.status !== 'success') {
    const key = ownerKey();
    const spec = {
      version: 8, name: DEMO_APP, description: 'fluxplane demo: busybox httpd', owner: addressFromPrivateKey(key),
      compose: [{
        name: 'web', description: 'busybox httpd', repotag: 'fluxplane/demo:latest', ports: [DEMO_PORT], domains: [''],
        environmentParameters: [], commands: [], containerPorts: [8080], containerData: '/tmp', cpu: 0.1, ram: 100, hdd: 1, repoauth: '',
      }],
      instances: 3, contacts: [], geolocation: [], expire: 88000, nodes: [], staticip: false, enterprise: '',
    };
    const hash = await deployApp({ gatewayUrl: gateway, devchainUrl: DEVCHAIN_URL, spec, key });
    say(`demo app registered and paid (hash ${hash}); waiting for it to run…`);
  }
  const url = `http://${HAPROXY_BIND}/cgi-bin/whoami`;
  const host = `${DEMO_APP}.app.${DOMAIN}`;
  // Running means every instance answers: HAProxy spreads requests, so collect the nodes that answer.
  const answered = new Set<string>();
  await waitUntil(async () => {
    const res = await httpGet(url, { host, timeoutMs: 3000 }).catch(() => undefined);
    const node = res?.status === 200 ? /node=(\S+)/.exec(res.body)?.[1] : undefined;
    if (node) answered.add(node);
    return answered.size >= NODE_IPS.length;
  }, { timeoutMs: 180_000, intervalMs: 300, what: `${host} answering through HAProxy from ${NODE_IPS.length} nodes` });
  say('');
  say(`fluxplane devnet is running: ${host} answers from ${answered.size} instances on ${answered.size} node agents.`);
  say(`  try:     curl -H 'Host: ${host}' ${url}`);
  say(`  gateway: http://127.0.0.1:${settings.ports.gateway}/apps/globalappsspecifications   (FluxOS API)`);
  say(`           http://127.0.0.1:${settings.ports.gateway}/apps/location/${DEMO_APP}`);
  say(`  stats:   http://127.0.0.1:${settings.ports.gateway}/stats`);
  say(`  chain:   ${DEVCHAIN_URL}/control/status   (devchain control API)`);
  say(`  logs:    ${LOGS}/<service>.log     stop: bash scripts/devnet.sh down`);
}

async function down(): Promise<void> {
  for (const p of readPidFiles(PIDS).reverse()) {
    await stopPid(p.pid);
    removePidFile(PIDS, p.name);
  }
  say('devnet processes stopped (infrastructure and containers left running; `bash scripts/infra/down.sh` stops the infrastructure)');
}

function status(): void {
  const alive = running();
  for (const p of readPidFiles(PIDS)) say(`${p.name.padEnd(16)} ${alive.has(p.name) ? `running (pid ${p.pid})` : 'stopped'}`);
}

async function reset(): Promise<void> {
  await down();
  const done = await wipeDevnetState({
    natsUrl: settings.natsUrl, databaseUrl: settings.databaseUrl, stream: process.env.EVENT_STREAM ?? 'FLUXPLANE_EVENTS',
    devchainFile: join(DEVNET, 'devchain.jsonl'),
  });
  for (const line of done) say(line);
  say('devnet state wiped; `bash scripts/devnet.sh` brings a fresh one up');
}

const commands: Record<string, () => Promise<void> | void> = { up, down, status, reset };
const cmd = process.argv[2] ?? 'up';
if (!commands[cmd]) {
  process.stderr.write(`usage: devnet up|down|status|reset\n`);
  process.exit(2);
}
Promise.resolve(commands[cmd]!()).catch((err) => {
  process.stderr.write(`devnet ${cmd} failed: ${(err as Error).message}\n`);
  process.exit(1);
});
