import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { demoSpec, deployApp, ensureNode, removeAppContainers } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { z } from 'zod';
import { ROOT } from './harness';

/**
 * docs/operations.md's walk-through for an operator: the control plane on three VMs
 * (deploy/control-plane) and one node VM (deploy/node), with the commands the document lists and
 * nothing else. Each "VM" is its own loopback address (127.7x.0.1) on this machine, with its own copy
 * of the deployment's settings (the shell's environment, which wins over .env, as an operator's edited
 * .env would), its own data and secrets folders and its own compose project; every listener binds its
 * VM's address. The chain is a devchain (fluxd cannot run here), started as the image's `devchain`.
 *
 * It checks what the operator would: the three NATS servers form one cluster over TLS with the event
 * stream on all three; every service runs twice (cp1, cp2), each lease held once; the node, admitted
 * with add-node.sh and a reload, is benchmarked and up; an app is served through both VMs' HAProxy;
 * and the bus and the database refuse a connection without TLS or without an identity.
 */
const VMS = ['127.71.0.1', '127.72.0.1', '127.73.0.1'] as const;
const NODE_IP = '127.74.0.1';
const DOMAIN = 'cluster.fluxplane.test';
const SERVICES = [
  ['chain-indexer', 'CHAIN_INDEXER_PORT'], ['app-registry', 'APP_REGISTRY_PORT'], ['scheduler', 'SCHEDULER_PORT'], ['bench', 'BENCH_PORT'],
  ['domain-manager', 'DOMAIN_MANAGER_PORT'], ['stats', 'STATS_PORT'], ['gateway', 'GATEWAY_PORT'],
] as const;
const CP_COMPOSE = join(ROOT, 'deploy/control-plane/docker-compose.yml');
const NODE_COMPOSE = join(ROOT, 'deploy/node/docker-compose.yml');
const Leases = z.record(z.string(), z.object({ held: z.boolean() }).passthrough());
const Stats = z.object({ status: z.literal('success'), data: z.object({ nodes: z.object({ total: z.number(), up: z.number() }) }) });
const Jsz = z.object({
  account_details: z.array(z.object({
    stream_detail: z.array(z.object({ name: z.string(), config: z.object({ num_replicas: z.number() }).passthrough(), cluster: z.object({ leader: z.string().optional(), replicas: z.array(z.object({ name: z.string() })).optional() }).passthrough().optional() })).optional(),
  })).optional(),
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${out}`);
  }
  return `${r.stdout}${r.stderr}`;
}

describe('docs/operations.md: the control plane on three VMs and a node VM, secured, with the commands it lists', () => {
  const project = `fpcl${randomBytes(3).toString('hex')}`;
  const app = `cl${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const dir = join(tmpdir(), project);
  const vmDir = (i: number) => join(dir, `cp${i + 1}`);
  const nodeDir = join(dir, 'node');
  let vmEnv: NodeJS.ProcessEnv[] = [];
  let nodeEnv: NodeJS.ProcessEnv = {};
  const ports: Record<string, string> = {};
  let devchainUrl = '';
  let devchain = '';
  let nodeId = '';
  let started = false;
  const cp = (i: number, ...args: string[]) => run('docker-compose', ['-f', CP_COMPOSE, ...args], vmEnv[i]!, 300_000);
  const nodeCompose = (...args: string[]) => run('docker-compose', ['-f', NODE_COMPOSE, ...args], nodeEnv, 300_000);
  /** The last lines each of these compose services logged on VM i (or why they could not be read). */
  const logsOf = (i: number, ...services: string[]) => {
    try { return cp(i, 'logs', '--no-color', '--tail', '25', ...services).slice(-6000); } catch (e) { return (e as Error).message; }
  };
  const t0 = Date.now();
  const phase = (what: string) => console.log(`[cluster e2e] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  beforeAll(async () => {
    // Install (docs: "Install"): the engine, the registry, the images.
    run('bash', ['scripts/infra/up.sh', 'docker', 'registry', 'demo-image'], process.env, 300_000);
    run('bash', ['scripts/infra/packages.sh', 'docker-compose', 'openssl'], process.env, 300_000);
    const built = run('bash', ['scripts/images/build.sh', 'nats', 'postgres', 'haproxy', 'syncthing', 'fluxplane'], process.env, 1_200_000);
    const tag = /^fluxplane \S+:(src-[0-9a-f]+)$/m.exec(built)?.[1];
    expect(tag, `build.sh printed no fluxplane tag:\n${built}`).toBeTruthy();
    phase('images ready');

    // One set of ports for every VM (as on real VMs, the same ports on each address), free on all.
    const hosts = [...VMS, NODE_IP, '127.0.0.1'];
    const names = ['NATS_PORT', 'NATS_MONITOR_PORT', 'NATS_CLUSTER_PORT', 'POSTGRES_PORT', 'HAPROXY_PORT', 'DEVCHAIN_PORT',
      'NODE_API_PORT', 'BENCH_RPC_PORT', 'SYNCTHING_API_PORT', 'SYNCTHING_PORT', ...SERVICES.map(([, p]) => p)];
    for (const name of names) ports[name] = String(await freePortOn(hosts));
    devchainUrl = `http://127.0.0.1:${ports.DEVCHAIN_PORT}`;
    const image = `127.0.0.1:5000/fluxplane/fluxplane:${tag}`;
    // The chain: a devchain standing in for fluxd (mainnet's own daemon cannot run here).
    devchain = run('docker', ['run', '-d', '--name', `${project}-devchain`, '--network', 'host', '-e', 'DEVCHAIN_RPC_HOST=127.0.0.1',
      '-e', `DEVCHAIN_RPC_PORT=${ports.DEVCHAIN_PORT}`, '-e', 'DEVCHAIN_BLOCK_INTERVAL_MS=1000', image, 'devchain'], process.env, 120_000).trim();
    await waitUntil(async () => (await fetch(`${devchainUrl}/control/status`).catch(() => undefined))?.ok === true,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the devchain' });

    // Each VM's .env, as the operator edits it (docs: "per VM" lines differ).
    const routes = VMS.map((ip) => `nats-route://${ip}:${ports.NATS_CLUSTER_PORT}`).join(',');
    vmEnv = VMS.map((ip, i) => ({
      ...process.env, ...ports,
      COMPOSE_PROJECT_NAME: `${project}cp${i + 1}`, COMPOSE_PROFILES: ['database,services', 'services', ''][i],
      FLUXPLANE_TAG: tag, INFRA_TAG: 'latest', FLUXPLANE_DATA: join(vmDir(i), 'data'), FLUXPLANE_SECRETS: join(vmDir(i), 'secrets'),
      CONTROL_PLANE_HOSTS: VMS.join(','), NATS_SERVER_NAME: `cp${i + 1}`, NATS_LISTEN: ip, NATS_CLUSTER_LISTEN: ip, NATS_ROUTES: routes,
      NATS_URL: `tls://${ip}:${ports.NATS_PORT}`, POSTGRES_LISTEN: VMS[0], DATABASE_HOST: VMS[0],
      FLUXD_RPC_URL: devchainUrl, CHAIN_PROFILE: 'devchain', RULES_HEIGHT_OFFSET: '2200000', BENCH_PROFILE: 'devnet',
      // The node's collateral is on chain before its agent runs: ask it again soon, not minutes later.
      BENCH_RETRY_MAX_MS: '5000', BENCH_SWEEP_INTERVAL_MS: '2000',
      SERVICES_HOST: ip, GATEWAY_HOST: ip, HAPROXY_BIND: `${ip}:${ports.HAPROXY_PORT}`, APP_DOMAIN: DOMAIN,
    }));
    for (let i = 0; i < VMS.length; i++) mkdirSync(vmDir(i), { recursive: true });
    started = true;

    // First start (docs): init.sh on the first VM makes every secret; secrets/ copied whole to the
    // other two; init.sh there; `up -d` on each.
    run('bash', ['deploy/control-plane/init.sh'], vmEnv[0]!, 300_000);
    for (const i of [1, 2]) {
      cpSync(vmEnv[0]!.FLUXPLANE_SECRETS!, vmEnv[i]!.FLUXPLANE_SECRETS!, { recursive: true });
      run('bash', ['deploy/control-plane/init.sh'], vmEnv[i]!, 120_000);
    }
    for (let i = 0; i < VMS.length; i++) cp(i, 'up', '-d');
    phase('control plane up -d on three VMs');
    for (const ip of VMS.slice(0, 2)) {
      await waitUntil(async () => (await fetch(`http://${ip}:${ports.GATEWAY_PORT}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok === true,
        { timeoutMs: 240_000, intervalMs: 1000, what: `the gateway on ${ip}` });
    }
    phase('both gateways healthy');

    // Adding a node (docs): its collateral is on chain (here: registered on the devchain), then
    // add-node.sh on the first VM, nats-auth.conf to the others, every NATS server reloads, the node's
    // folder is the node VM's secrets/, init.sh and up -d there.
    nodeId = await ensureNode(devchainUrl, NODE_IP);
    const added = run('bash', ['deploy/control-plane/add-node.sh', nodeId, NODE_IP], vmEnv[0]!, 120_000);
    const folder = /copy (\S+)\/ to the node VM/.exec(added)?.[1];
    expect(folder, added).toBeTruthy();
    for (const i of [1, 2]) cpSync(join(vmEnv[0]!.FLUXPLANE_SECRETS!, 'bus/nats-auth.conf'), join(vmEnv[i]!.FLUXPLANE_SECRETS!, 'bus/nats-auth.conf'));
    for (let i = 0; i < VMS.length; i++) cp(i, 'kill', '-s', 'HUP', 'nats');
    nodeEnv = {
      ...process.env, COMPOSE_PROJECT_NAME: `${project}node`, FLUXPLANE_TAG: tag, INFRA_TAG: 'latest',
      FLUXPLANE_DATA: join(nodeDir, 'data'), FLUXPLANE_SECRETS: join(nodeDir, 'secrets'),
      NATS_URL: VMS.map((ip) => `tls://${ip}:${ports.NATS_PORT}`).join(','), NODE_IP, NODE_API_HOST: NODE_IP,
      NODE_API_PORT: ports.NODE_API_PORT, BENCH_RPC_PORT: ports.BENCH_RPC_PORT, SYNCTHING_API_PORT: ports.SYNCTHING_API_PORT, SYNCTHING_PORT: ports.SYNCTHING_PORT,
    };
    cpSync(folder!, nodeEnv.FLUXPLANE_SECRETS!, { recursive: true });
    run('bash', ['deploy/node/init.sh'], nodeEnv, 60_000);
    nodeCompose('up', '-d');
    phase('node up -d');
  }, 1_800_000);

  afterAll(() => {
    if (!started || process.env.FLUXPLANE_E2E_KEEP === '1') return;
    try {
      if (nodeEnv.FLUXPLANE_DATA) run('bash', ['deploy/node/down.sh', '--purge'], nodeEnv, 180_000);
      for (let i = 0; i < vmEnv.length; i++) {
        try { cp(i, 'down', '--remove-orphans'); } catch (err) { console.error(err); }
      }
      if (devchain) run('docker', ['rm', '-f', devchain], process.env, 60_000);
    } finally {
      removeAppContainers(app);
      rmSync(dir, { recursive: true, force: true });
      phase('torn down');
    }
  }, 300_000);

  it('runs one NATS cluster over TLS with the event stream on all three servers, and every service twice, each lease held once', async () => {
    // Each server reports its own copy of the stream (the replicas it lists are the other two).
    for (const [i, ip] of VMS.entries()) {
      const stream = await waitUntil(async () => {
        const res = await httpGet(`http://${ip}:${ports.NATS_MONITOR_PORT}/jsz?accounts=true&streams=true&config=true`, { timeoutMs: 3000 }).catch(() => undefined);
        if (res?.status !== 200) return false;
        const s = Jsz.parse(JSON.parse(res.body)).account_details?.flatMap((a) => a.stream_detail ?? []).find((d) => d.name === 'FLUXPLANE_EVENTS');
        return s?.cluster?.leader !== undefined && s;
      }, { timeoutMs: 60_000, intervalMs: 1000, what: `FLUXPLANE_EVENTS on cp${i + 1}` });
      expect(stream.config.num_replicas).toBe(3);
      expect(new Set([`cp${i + 1}`, ...(stream.cluster?.replicas ?? []).map((r) => r.name)])).toEqual(new Set(['cp1', 'cp2', 'cp3']));
    }
    const routez = JSON.parse((await httpGet(`http://${VMS[2]}:${ports.NATS_MONITOR_PORT}/routez`)).body) as { num_routes: number };
    expect(routez.num_routes).toBeGreaterThanOrEqual(2);

    for (const [svc, portName] of SERVICES) {
      if (svc === 'gateway') continue; // stateless: no lease, both answer (checked above and below)
      const held = await waitUntil(async () => {
        const all = await Promise.all(VMS.slice(0, 2).map(async (ip) => {
          const res = await httpGet(`http://${ip}:${ports[portName]}/leases`, { timeoutMs: 3000 }).catch(() => undefined);
          return res?.status === 200 ? Object.entries(Leases.parse(JSON.parse(res.body))).filter(([, l]) => l.held).map(([k]) => k) : undefined;
        }));
        if (all.some((h) => h === undefined)) return false;
        const names = all.flat() as string[];
        return names.length > 0 && new Set(names).size === names.length && names;
      }, { timeoutMs: 90_000, intervalMs: 1000, what: `${svc}'s leases held, each by one of its two replicas` }).catch((err: Error) => {
        // What an operator would look at: the service's and the bus's last words on both VMs.
        throw new Error(`${err.message}\n${[0, 1].map((i) => `cp${i + 1}:\n${logsOf(i, svc, 'nats')}`).join('\n')}`);
      });
      expect(held.length).toBeGreaterThan(0);
    }
  }, 240_000);

  it('admits the node added with add-node.sh: benchmarked, up, and an app placed on it is served through both VMs\' HAProxy', async () => {
    // The chain knows the node from its collateral; the scheduler places on it only once the node agent
    // is heard (heartbeats over the bus, as its identity) and the bench service has benchmarked it.
    await waitUntil(async () => {
      const res = await httpGet(`http://${VMS[1]}:${ports.GATEWAY_PORT}/stats`, { timeoutMs: 3000 }).catch(() => undefined);
      return res?.status === 200 && Stats.parse(JSON.parse(res.body)).data.nodes.total === 1;
    }, { timeoutMs: 120_000, intervalMs: 1000, what: 'the node on chain (/stats nodes.total = 1)' }).catch((err: Error) => {
      throw new Error(`${err.message}\n${[0, 1].map((i) => `cp${i + 1}:\n${logsOf(i, 'chain-indexer', 'stats')}`).join('\n')}`);
    });
    const port = await freePortOn([NODE_IP]);
    await deployApp({ gatewayUrl: `http://${VMS[0]}:${ports.GATEWAY_PORT}`, devchainUrl, spec: demoSpec(app, key, port), key });
    for (const ip of VMS.slice(0, 2)) {
      const res = await waitUntil(async () => {
        const r = await httpGet(`http://${ip}:${ports.HAPROXY_PORT}/cgi-bin/whoami`, { host: `${app}.app.${DOMAIN}`, timeoutMs: 3000 }).catch(() => undefined);
        return r?.status === 200 && r;
      }, { timeoutMs: 180_000, intervalMs: 500, what: `${app}.app.${DOMAIN} through the HAProxy on ${ip}` }).catch(async (err: Error) => {
        // What an operator would look at: why the app is (not) placed, and the node agent's last words.
        const placement = await httpGet(`http://${VMS[0]}:${ports.GATEWAY_PORT}/apps/placement/${app}`).then((r) => r.body, (e: Error) => e.message);
        const agent = (() => { try { return nodeCompose('logs', '--no-color', '--tail', '15', 'node-agent'); } catch (e) { return (e as Error).message; } })();
        throw new Error(`${err.message}\nplacement: ${placement.slice(0, 2000)}\nnode agent:\n${agent.slice(-4000)}`);
      });
      expect(res.body).toContain(`node=${nodeId} `);
    }
    const located = await httpGet(`http://${VMS[1]}:${ports.GATEWAY_PORT}/apps/location/${app}`);
    expect((JSON.parse(located.body) as { data: Array<{ ip: string }> }).data.map((l) => l.ip.split(':')[0])).toEqual([NODE_IP]);
    phase('app served through both HAProxies');
  }, 600_000);

  it('refuses a bus connection without TLS or without an identity, and a database connection without TLS', async () => {
    const url = `${VMS[0]}:${ports.NATS_PORT}`;
    await expect(connect({ servers: `nats://${url}`, timeout: 3000, reconnect: false })).rejects.toThrow();
    const tls = join(vmEnv[0]!.FLUXPLANE_SECRETS!, 'tls');
    // TLS with the client certificate, but no nkey: refused by the authorization block.
    await expect(connect({
      servers: `tls://${url}`, timeout: 3000, reconnect: false,
      tls: { caFile: join(tls, 'ca.pem'), certFile: join(tls, 'client.pem'), keyFile: join(tls, 'client-key.pem') },
    })).rejects.toThrow(/authorization/i);
    const password = readFileSync(join(vmEnv[0]!.FLUXPLANE_SECRETS!, 'postgres_password'), 'utf8').trim();
    const plain = new Client({ host: VMS[0], port: Number(ports.POSTGRES_PORT), user: 'postgres', password, database: 'fluxplane', ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no encryption|pg_hba/i);
    const secure = new Client({ host: VMS[0], port: Number(ports.POSTGRES_PORT), user: 'postgres', password, database: 'fluxplane', ssl: { ca: readFileSync(join(tls, 'ca.pem'), 'utf8') } });
    await secure.connect();
    try {
      const { rows } = await secure.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]?.ssl).toBe(true);
    } finally {
      await secure.end();
    }
  }, 60_000);
});
