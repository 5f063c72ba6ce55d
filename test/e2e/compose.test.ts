import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSpec, deployApp, removeAppContainers } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePort, freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { z } from 'zod';
import { ROOT } from './harness';

/**
 * The operator's way in: the images are built on this machine (scripts/images/build.sh, from Debian's
 * packages; cached by content, so a second run only checks them), `deploy/single-vm` is brought up with
 * docker-compose (NATS, PostgreSQL, two replicas of every service, HAProxy, a devchain and three node
 * agents, each a container), and the thin path runs through it: a signed spec, paid, three instances,
 * answered through the compose HAProxy. Then the active replica of every service (the one holding its
 * leases, per GET /leases) is killed; the other takes over, and a second app takes the same path.
 */
const DOMAIN = 'compose.fluxplane.test';
const NODE_IPS = ['127.91.0.1', '127.92.0.1', '127.93.0.1'];
/** Each service and the env names of its two replicas' ports. */
const SERVICES = [
  ['chain-indexer', 'CHAIN_INDEXER_PORT'], ['app-registry', 'APP_REGISTRY_PORT'], ['scheduler', 'SCHEDULER_PORT'], ['bench', 'BENCH_PORT'],
  ['domain-manager', 'DOMAIN_MANAGER_PORT'], ['stats', 'STATS_PORT'], ['gateway', 'GATEWAY_PORT'],
] as const;
const Leases = z.record(z.string(), z.object({ held: z.boolean() }).passthrough());
const COMPOSE_FILE = join(ROOT, 'deploy/single-vm/docker-compose.yml');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${out}`);
  }
  return r.stdout;
}

describe('deploy/single-vm with docker-compose: images built here, thin path through the compose HAProxy', () => {
  const project = `fpe2e${randomBytes(3).toString('hex')}`;
  const apps = [`cmp${randomBytes(3).toString('hex')}`, `cmq${randomBytes(3).toString('hex')}`];
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const dataDir = join(tmpdir(), project);
  let env: NodeJS.ProcessEnv = {};
  let gatewayUrl = '';
  let gatewayBUrl = '';
  let ports: Record<string, string> = {};
  let devchainUrl = '';
  let haproxyUrl = '';
  let up = false;
  const compose = (...args: string[]) => run('docker-compose', ['-f', COMPOSE_FILE, ...args], env, 300_000);
  const containerOf = (service: string) => compose('ps', '-q', service).trim();

  const t0 = Date.now();
  const phase = (what: string) => console.log(`[compose e2e] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  beforeAll(async () => {
    run('bash', ['scripts/infra/up.sh', 'docker', 'registry', 'demo-image'], process.env, 300_000);
    run('bash', ['scripts/infra/packages.sh', 'docker-compose'], process.env, 300_000);
    // Uncached (a new machine): the Debian base (debootstrap), then the images FROM it, minutes.
    const built = run('bash', ['scripts/images/build.sh', 'nats', 'postgres', 'haproxy', 'syncthing', 'fluxplane'], process.env, 1_200_000);
    phase('images ready');
    const tag = /^fluxplane \S+:(src-[0-9a-f]+)$/m.exec(built)?.[1];
    expect(tag, `build.sh printed no fluxplane tag:\n${built}`).toBeTruthy();
    const port = async () => String(await freePort());
    ports = { NATS_PORT: await port(), NATS_MONITOR_PORT: await port(), POSTGRES_PORT: await port(), DEVCHAIN_PORT: await port(), HAPROXY_PORT: await port() };
    for (const [, name] of SERVICES) Object.assign(ports, { [name]: await port(), [`${name}_B`]: await port() });
    devchainUrl = `http://127.0.0.1:${ports.DEVCHAIN_PORT}`;
    gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
    gatewayBUrl = `http://127.0.0.1:${ports.GATEWAY_PORT_B}`;
    haproxyUrl = `http://127.0.0.1:${ports.HAPROXY_PORT}`;
    env = {
      ...process.env, ...ports,
      COMPOSE_PROJECT_NAME: project, FLUXPLANE_TAG: tag, INFRA_TAG: 'latest',
      FLUXPLANE_DATA: join(dataDir, 'data'), FLUXPLANE_SECRETS: join(dataDir, 'secrets'),
      FLUXD_RPC_URL: devchainUrl, DEVCHAIN_URL: devchainUrl, HAPROXY_BIND: `127.0.0.1:${ports.HAPROXY_PORT}`,
      APP_DOMAIN: DOMAIN, NODE1_IP: NODE_IPS[0], NODE2_IP: NODE_IPS[1], NODE3_IP: NODE_IPS[2],
    };
    run('bash', ['deploy/single-vm/init.sh'], env, 60_000);
    up = true;
    compose('up', '-d');
    phase('compose up returned');
    await waitUntil(async () => (await fetch(`${gatewayUrl}/health`, { signal: AbortSignal.timeout(2000) })).ok,
      { timeoutMs: 120_000, intervalMs: 500, what: 'the compose gateway /health' });
    await waitUntil(() => NODE_IPS.every((_, i) => run('docker', ['inspect', '-f', '{{.State.Health.Status}}', containerOf(`node-agent-${i + 1}`)], env, 10_000).trim() === 'healthy'),
      { timeoutMs: 120_000, intervalMs: 1000, what: 'three healthy node agents' });
    phase('gateway and node agents healthy');
  }, 1_500_000);

  afterAll(() => {
    if (!up) return;
    try {
      if (process.env.FLUXPLANE_E2E_KEEP !== '1') run('bash', ['deploy/single-vm/down.sh', '--purge'], env, 180_000);
      phase('torn down');
    } finally {
      for (const app of apps) removeAppContainers(app);
      if (process.env.FLUXPLANE_E2E_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  /** Deploys `app` through the compose gateway and waits until all three nodes answer for it through HAProxy. */
  async function deployAndReach(app: string, via = gatewayUrl): Promise<Set<string>> {
    const port = await freePortOn(NODE_IPS);
    await deployApp({ gatewayUrl: via, devchainUrl, spec: demoSpec(app, key, port), key });
    const nodes = new Set<string>();
    await waitUntil(async () => {
      const res = await httpGet(`${haproxyUrl}/cgi-bin/whoami`, { host: `${app}.app.${DOMAIN}`, timeoutMs: 3000 }).catch(() => undefined);
      const m = res?.status === 200 ? /node=(\S+)/.exec(res.body) : null;
      if (m) nodes.add(m[1]!);
      return nodes.size === 3;
    }, { timeoutMs: 150_000, intervalMs: 200, what: `${app}.app.${DOMAIN} answered by 3 nodes through the compose HAProxy` });
    return nodes;
  }

  it('serves a signed, paid app from 3 instances on the 3 compose node agents through HAProxy', async () => {
    const nodes = await deployAndReach(apps[0]!);
    expect(nodes.size).toBe(3);
    const gw = async (path: string) => (await (await fetch(`${gatewayUrl}${path}`)).json()) as { status: string; data: unknown };
    const locations = await waitUntil(async () => {
      const l = (await gw(`/apps/location/${apps[0]}`)).data as Array<{ ip: string }>;
      return l.length === 3 && l;
    }, { what: 'three locations' });
    expect(new Set(locations.map((l) => l.ip.split(':')[0]))).toEqual(new Set(NODE_IPS));
    // The instances' data is a loop-mounted volume that the node agent made inside its container.
    const id = run('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${apps[0]}`], env, 10_000).trim().split(/\s+/)[0]!;
    expect(run('docker', ['exec', id, 'sh', '-c', 'grep " /tmp " /proc/mounts'], env, 10_000)).toMatch(/^\/dev\/loop\d+ \/tmp ext4/);
    const unknown = await httpGet(`${haproxyUrl}/`, { host: `nosuchapp.app.${DOMAIN}` });
    expect(unknown.status).toBe(404);
  }, 240_000);

  /** The leases a replica holds now (GET /leases), or undefined while it does not answer. */
  async function heldLeases(port: string): Promise<string[] | undefined> {
    const res = await httpGet(`http://127.0.0.1:${port}/leases`, { timeoutMs: 3000 }).catch(() => undefined);
    if (res?.status !== 200) return undefined;
    return Object.entries(Leases.parse(JSON.parse(res.body))).filter(([, l]) => l.held).map(([k]) => k);
  }

  it('carries on when the active replica of every service is killed: the other takes over, and a second app takes the path', async () => {
    for (const [svc, portName] of SERVICES) {
      const replicas = [{ name: svc, port: ports[portName]! }, { name: `${svc}-b`, port: ports[`${portName}_B`]! }];
      // Active = the replica holding leases; a service with none (the gateway) has no active one: the first.
      const held = await Promise.all(replicas.map((r) => heldLeases(r.port)));
      const activeAt = held.findIndex((h) => (h?.length ?? 0) > 0);
      const [active, other] = activeAt === 1 ? [replicas[1]!, replicas[0]!] : [replicas[0]!, replicas[1]!];
      const leases = held[activeAt] ?? [];
      // SIGKILL to the replica's node process (under the container's init): a crash, not a stop. Its
      // restart is held back until the other took over: restarted at once, it would take its own
      // leases back (a replica's lease name is stable across its restarts), and nothing would show
      // the other one carrying the service.
      const container = containerOf(active.name);
      run('docker', ['update', '--restart=no', container], env, 10_000);
      run('docker', ['exec', container, 'sh', '-c', 'kill -9 $(pgrep -f "dist/mai[n].js")'], env, 10_000);
      if (leases.length > 0) {
        await waitUntil(async () => {
          const now = await heldLeases(other.port);
          return now !== undefined && leases.every((l) => now.includes(l));
        }, { timeoutMs: 60_000, intervalMs: 250, what: `${other.name} holding ${leases.join(', ')} after ${active.name} was killed` });
      }
      phase(`${active.name} killed${leases.length ? `; ${other.name} took over ${leases.join(', ')}` : ''}`);
      // The container ends with its process (its init exits): only then can it be started again (a
      // `docker start` on a container still going down does nothing, and it would stay down).
      await waitUntil(() => run('docker', ['inspect', '-f', '{{.State.Running}}', container], env, 10_000).trim() === 'false',
        { timeoutMs: 30_000, intervalMs: 200, what: `${active.name}'s container to stop after the kill` });
      run('docker', ['start', container], env, 30_000); // (a stopped container's policy cannot be updated)
      run('docker', ['update', '--restart=unless-stopped', container], env, 10_000);
    }
    // The second app goes through the gateway that was not killed, while the other comes back.
    const nodes = await deployAndReach(apps[1]!, gatewayBUrl);
    expect(nodes.size).toBe(3);
    // The first app kept being served throughout.
    const first = await httpGet(`${haproxyUrl}/cgi-bin/whoami`, { host: `${apps[0]}.app.${DOMAIN}`, timeoutMs: 3000 });
    expect(first.status).toBe(200);
    // And every killed replica is back.
    for (const [svc] of SERVICES) {
      for (const name of [svc, `${svc}-b`]) {
        await waitUntil(() => run('docker', ['inspect', '-f', '{{.State.Health.Status}}', containerOf(name)], env, 10_000).trim() === 'healthy',
          { timeoutMs: 90_000, intervalMs: 1000, what: `${name} healthy again` });
      }
    }
  }, 600_000);
});
