#!/usr/bin/env node
/**
 * The devnet: the whole system on this machine, left running.
 *   node libs/devnet/dist/cli.js up | down | status | reset   (reset wipes the devnet's state)
 * `scripts/devnet.sh` installs and starts the infrastructure first, then runs `up`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { addressFromPrivateKey, randomPrivateKey } from '@fluxplane/flux-spec';
import { httpGet, waitUntil } from '@fluxplane/testkit';
import { errorText } from '@fluxplane/observability';
import { isAlive, ProcessGroup, readPidFiles, removePidFile, stopPid } from './processes';
import { DEVCHAIN_RULES_HEIGHT_OFFSET, DevnetSettings, devchainProcess, NodeSpec, serviceProcesses } from './topology';
import { deployApp, ensureNode, waitDevchain, waitHealthy } from './network';
import { wipeDevnetState } from './reset';
import { demoSpec } from './demo-spec';
import { startNodeSyncthing } from './syncthing';

const ROOT = resolve(__dirname, '../../..');
const DEVNET = process.env.FLUXPLANE_DEVNET_DIR ?? join(ROOT, '.devnet');
const RUN = process.env.FLUXPLANE_RUN ?? join(DEVNET, 'run');
const PIDS = join(DEVNET, 'pids');
const LOGS = join(DEVNET, 'logs');
const DOMAIN = process.env.APP_DOMAIN ?? 'fluxplane.test';
const HAPROXY_BIND = `127.0.0.1:${process.env.HAPROXY_HTTP_PORT ?? '18080'}`;
const DEVCHAIN_URL = 'http://127.0.0.1:16124';
/** PowerDNS as scripts/infra/pdns.sh starts it (devnet.sh brings it up): app records, `dig` on this port. */
const PDNS_DNS_PORT = Number(process.env.PDNS_DNS_PORT ?? 15353);
const PDNS_API_URL = `http://127.0.0.1:${process.env.PDNS_API_PORT ?? '18082'}`;
/** The devnet's zone for custom domains: the demo app claims demo.custom.test. */
const CUSTOM_ZONE = 'custom.test';
const DEMO_CUSTOM_DOMAIN = `demo.${CUSTOM_ZONE}`;
/** One /16 per node (loopback: any 127.x.y.z works), so apps with synced data may use all three. */
const NODE_IPS = ['127.1.0.1', '127.2.0.1', '127.3.0.1'];
/** FluxOS: Syncthing's local API on 8384, peers on the API port + 2. */
const SYNCTHING_GUI_PORT = 8384;
const SYNCTHING_LISTEN_PORT = 16129;
const DEMO_APP = 'demo';
const DEMO_PORT = 39001;
/** A g: (primary/standby) app: only its master runs and answers; its data follows it on failover. */
const COUNTER_APP = 'counter';
const COUNTER_PORT = 39002;
/** HTTPS with pebble's certificates when scripts/devnet.sh started pebble (FLUXPLANE_CERTS=0: off). */
const PEBBLE_DIR = join(RUN, 'pebble');
const CERTIFICATES = process.env.FLUXPLANE_CERTS !== '0' && existsSync(join(PEBBLE_DIR, 'cert.pem'));
const TLS_BIND = `127.0.0.1:${process.env.HAPROXY_HTTPS_PORT ?? '18443'}`;

const settings: DevnetSettings = {
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fluxplane',
  domain: DOMAIN,
  dns: { apiUrl: PDNS_API_URL, apiKey: process.env.PDNS_API_KEY ?? 'fluxplane-dev-key', dnsPort: PDNS_DNS_PORT, customZones: [CUSTOM_ZONE] },
  haproxy: {
    config: join(RUN, 'haproxy/haproxy.cfg'), map: join(RUN, 'haproxy/hosts.map'),
    masterSocket: join(RUN, 'haproxy/master.sock'), adminSocket: join(RUN, 'haproxy/admin.sock'), bind: HAPROXY_BIND,
  },
  devchainUrl: DEVCHAIN_URL,
  registryMirror: '127.0.0.1:5000',
  ports: { gateway: 16127, stats: 16140, appRegistry: 16141, chainIndexer: 16142, scheduler: 16143, bench: 16144, domainManager: 16145 },
  rulesHeightOffset: DEVCHAIN_RULES_HEIGHT_OFFSET,
  ...(CERTIFICATES ? { certificates: {
    acmeDirectoryUrl: `https://127.0.0.1:${process.env.PEBBLE_PORT ?? '14000'}/dir`, acmeCaFile: join(PEBBLE_DIR, 'cert.pem'), tlsBind: TLS_BIND,
  } } : {}),
};

const say = (line: string) => process.stdout.write(`${line}\n`);

/** `dig +short` against the devnet's PowerDNS; empty when the name does not resolve (yet). */
function digShort(port: number, name: string): Promise<string[]> {
  return new Promise((done) => execFile('dig', ['@127.0.0.1', '-p', String(port), name, 'A', '+short', '+time=1', '+tries=1'], (err, stdout) =>
    done(err ? [] : stdout.split('\n').map((l) => l.trim()).filter(Boolean))));
}

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
  for (const [i, ip] of NODE_IPS.entries()) {
    const syncthing = startNodeSyncthing({ root: ROOT, run: RUN, name: `node-${i + 1}`, ip, guiPort: SYNCTHING_GUI_PORT, listenPort: SYNCTHING_LISTEN_PORT, home: join(RUN, 'syncthing', ip) });
    nodes.push({ nodeId: await ensureNode(DEVCHAIN_URL, ip, 1000), ip, httpPort: 16127, dataDir: join(RUN, 'nodes', ip), syncthing });
  }
  const procs = serviceProcesses(settings, nodes);
  for (const p of procs) if (!alive.has(p.name)) group.start(p);
  for (const p of procs) await waitHealthy(group, p.name, Number(p.env.HTTP_PORT), 90_000, p.env.HTTP_HOST).catch((err) => {
    throw new Error(`${p.name} did not become healthy (log: ${join(LOGS, `${p.name}.log`)}): ${errorText(err)}`);
  });
  say(`services up: ${procs.map((p) => p.name).join(', ')}`);

  const gateway = `http://127.0.0.1:${settings.ports.gateway}`;
  const existing = (await (await fetch(`${gateway}/apps/appspecifications/${DEMO_APP}`)).json()) as { status: string };
  if (existing.status !== 'success') {
    const key = ownerKey();
    const spec = {
      version: 8, name: DEMO_APP, description: 'fluxplane demo: busybox httpd', owner: addressFromPrivateKey(key),
      compose: [{
        name: 'web', description: 'busybox httpd', repotag: 'fluxplane/demo:latest', ports: [DEMO_PORT], domains: [DEMO_CUSTOM_DOMAIN],
        environmentParameters: [], commands: [], containerPorts: [8080], containerData: '/tmp', cpu: 0.1, ram: 100, hdd: 1, repoauth: '',
      }],
      instances: 3, contacts: [], geolocation: [], expire: 88000, nodes: [], staticip: false, enterprise: '',
    };
    const hash = await deployApp({ gatewayUrl: gateway, devchainUrl: DEVCHAIN_URL, spec, key });
    say(`demo app registered and paid (hash ${hash}); waiting for it to run…`);
  }
  const counterExists = (await (await fetch(`${gateway}/apps/appspecifications/${COUNTER_APP}`)).json()) as { status: string };
  if (counterExists.status !== 'success') {
    const key = ownerKey();
    const hash = await deployApp({ gatewayUrl: gateway, devchainUrl: DEVCHAIN_URL, spec: demoSpec(COUNTER_APP, key, COUNTER_PORT, 3, { containerData: 'g:/data', description: 'fluxplane g: demo: a counter in its data folder' }), key });
    say(`counter app (g:) registered and paid (hash ${hash})`);
  }
  const url = `http://${HAPROXY_BIND}/cgi-bin/whoami`;
  const host = `${DEMO_APP}.app.${DOMAIN}`;
  // With certificates, plain HTTP to the app's name is redirected to HTTPS; its `_<port>` name
  // (no certificate: `_` is not allowed in one) is served over HTTP by the same servers.
  const plainHost = CERTIFICATES ? `${DEMO_APP}_${DEMO_PORT}.app.${DOMAIN}` : host;
  // Running means every instance answers: HAProxy spreads requests, so collect the nodes that answer.
  const answered = new Set<string>();
  await waitUntil(async () => {
    const res = await httpGet(url, { host: plainHost, timeoutMs: 3000 }).catch(() => undefined);
    const node = res?.status === 200 ? /node=(\S+)/.exec(res.body)?.[1] : undefined;
    if (node) answered.add(node);
    return answered.size >= NODE_IPS.length;
  }, { timeoutMs: 180_000, intervalMs: 300, what: `${host} answering through HAProxy from ${NODE_IPS.length} nodes` });
  if (CERTIFICATES) {
    const [, tlsPort] = TLS_BIND.split(':');
    await waitUntil(() => httpsAnswers(host, Number(tlsPort), readFileSync(join(PEBBLE_DIR, 'root.pem'))), { timeoutMs: 120_000, intervalMs: 500, what: `https://${host}:${tlsPort} answering with pebble's certificate` });
  }
  // PowerDNS answers the app's name at HAProxy's address.
  await waitUntil(async () => (await digShort(PDNS_DNS_PORT, host)).length > 0, { timeoutMs: 60_000, intervalMs: 300, what: `${host} resolving in PowerDNS (127.0.0.1:${PDNS_DNS_PORT})` });
  say('');
  say(`fluxplane devnet is running: ${host} answers from ${answered.size} instances on ${answered.size} node agents.`);
  say(`  try:     curl -H 'Host: ${plainHost}' ${url}`);
  if (CERTIFICATES) {
    const tlsPort = TLS_BIND.split(':')[1];
    say(`  HTTPS:   curl --cacert ${join(PEBBLE_DIR, 'root.pem')} --resolve ${host}:${tlsPort}:127.0.0.1 https://${host}:${tlsPort}/cgi-bin/whoami`);
    say(`           (pebble's certificate, issued over HTTP-01 through HAProxy; plain HTTP to ${host} is redirected there)`);
  }
  const counterHost = CERTIFICATES ? `${COUNTER_APP}_${COUNTER_PORT}.app.${DOMAIN}` : `${COUNTER_APP}.app.${DOMAIN}`;
  say(`  g: app:  curl -X POST -H 'Host: ${counterHost}' http://${HAPROXY_BIND}/cgi-bin/counter   (only the master answers;`);
  say(`           GET reads the count; master: http://127.0.0.1:${settings.ports.domainManager}/appips/${COUNTER_APP})`);
  say(`  gateway: http://127.0.0.1:${settings.ports.gateway}/apps/globalappsspecifications   (FluxOS API)`);
  say(`           http://127.0.0.1:${settings.ports.gateway}/apps/location/${DEMO_APP}`);
  say(`  stats:   http://127.0.0.1:${settings.ports.gateway}/stats`);
  say(`  history: http://127.0.0.1:${settings.ports.gateway}/stats/history (the last hour; ?from=&to= in Unix ms), /fluxhistorystats, /fluxinfo`);
  say(`  browser: http://127.0.0.1:${settings.ports.gateway}/dashboard/   (the dashboard: overview, nodes, apps; live)`);
  say(`  chain:   ${DEVCHAIN_URL}/control/status   (devchain control API)`);
  say(`  dns:     dig @127.0.0.1 -p ${PDNS_DNS_PORT} ${host} +short       (PowerDNS; also demo_${DEMO_PORT}.app.${DOMAIN}, ${DEMO_CUSTOM_DOMAIN})`);
  const [lbIp, lbPort] = HAPROXY_BIND.split(':');
  say(`           curl --resolve ${plainHost}:${lbPort}:${lbIp} http://${plainHost}:${lbPort}/cgi-bin/whoami   (the address dig gave)`);
  say(`  logs:    ${LOGS}/<service>.log     stop: bash scripts/devnet.sh down`);
}

/** Whether `https://<host>:<port>/` on 127.0.0.1 answers 200 with a certificate `ca` vouches for (SNI = host). */
function httpsAnswers(host: string, port: number, ca: Buffer): Promise<boolean> {
  return new Promise((done) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: host, headers: { host }, path: '/cgi-bin/whoami', ca, timeout: 3000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

async function down(): Promise<void> {
  for (const p of readPidFiles(PIDS).reverse()) {
    await stopPid(p.pid);
    removePidFile(PIDS, p.name);
  }
  say('devnet processes stopped (infrastructure, Syncthing and containers left running; `bash scripts/infra/down.sh` stops the infrastructure)');
}

function status(): void {
  const alive = running();
  for (const p of readPidFiles(PIDS)) say(`${p.name.padEnd(16)} ${alive.has(p.name) ? `running (pid ${p.pid})` : 'stopped'}`);
}

async function reset(): Promise<void> {
  await down();
  const done = await wipeDevnetState({
    natsUrl: settings.natsUrl, databaseUrl: settings.databaseUrl, stream: process.env.EVENT_STREAM ?? 'FLUXPLANE_EVENTS',
    devchainFile: join(DEVNET, 'devchain.jsonl'), nodesDir: join(RUN, 'nodes'),
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
  process.stderr.write(`devnet ${cmd} failed: ${errorText(err)}\n`);
  process.exit(1);
});
