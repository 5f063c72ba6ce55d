import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Docker from 'dockerode';
import { makeEvent, Subjects, type ComponentRun, type DomainEvent } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { tryParseContainerData } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, sleep, startNats, waitUntil, type TestDatabase, type TestNats } from '@fluxplane/testkit';
import { NodeAgentConfig } from '../src/config';
import { NodeAgentModule } from '../src/app.module';
import { NodeReconciler } from '../src/reconcile/node-reconciler';
import { Labels } from '../src/domain/naming';
import { volumeLayout } from '../src/domain/volume-layout';

/**
 * Volumes against the real Docker engine, real loop mounts (root) and the demo image (busybox: sh,
 * dd, df). Needs scripts/infra/up.sh docker registry volumes && scripts/infra/demo-image.sh.
 */
const REGISTRY = '127.0.0.1:5000';
const DEMO = 'fluxplane/demo:latest';
const H1 = '1'.repeat(64);
const suffix = randomBytes(3).toString('hex');
const NODE_ID = `vol-${suffix}`;
const NODE_IP = `127.0.0.${200 + (parseInt(suffix, 16) % 50)}`;
const APP = `vol${suffix}`;

function component(name: string, containerData: string, hddGb: number): ComponentRun {
  const parsed = tryParseContainerData(containerData);
  const data = parsed.ok ? { raw: containerData, mounts: [parsed.value.primary, ...parsed.value.additional], syncMode: parsed.value.syncMode } : null;
  return { name, image: DEMO, ports: [], environment: [], commands: [], containerData, data, cpu: 0.2, ramMb: 64, hddGb };
}

function mounted(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter(Boolean);
}

/** `docker exec` through the CLI: status and the whole output, so a failing write can be read. */
function exec(container: string, script: string): { status: number | null; out: string } {
  const r = spawnSync('docker', ['exec', container, 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('node agent volumes (real Docker, loop mounts)', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const logger = createLogger('node-agent', 'silent');
  const dataDir = mkdtempSync(join(tmpdir(), 'node-agent-volumes-'));
  const web = volumeLayout(dataDir, APP, 'web');
  const side = volumeLayout(dataDir, APP, 'side');
  let nats: TestNats;
  let db: TestDatabase;
  let store: EventStore;
  let config: NodeAgentConfig;
  let app: NestFastifyApplication | undefined;

  const startAgent = async () => {
    app = await startService({ module: NodeAgentModule.forRoot(config, logger), config, logger });
  };
  const stopAgent = async () => {
    await app?.close();
    app = undefined;
  };
  const settle = async () => {
    await app!.get(ProjectionHost).catchUp();
    await sleep(2500); // the first pass and at least one periodic one
    await app!.get(NodeReconciler).loop.idle();
  };
  const ours = async (appName = APP) => (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${Labels.node}=${NODE_ID}`, `${Labels.app}=${appName}`] }) }));
  const idOf = async (comp: string) => (await ours()).find((c) => c.Labels[Labels.component] === comp)!.Id;
  const lastEvent = async (appName: string, type: DomainEvent['type'], pred: (e: DomainEvent) => boolean = () => true) => waitUntil(async () => {
    const last = await store.last(Subjects.instance(appName, NODE_ID));
    return last?.event.type === type && pred(last.event) ? last.event : undefined;
  }, { timeoutMs: 60_000, what: `${type} for ${appName}` });
  const place = async (appName: string, components: ComponentRun[]) => {
    const subject = Subjects.placement(appName);
    await store.append(subject, [makeEvent('InstanceScheduled', subject, { app: appName, nodeId: NODE_ID, nodeIp: NODE_IP, specHash: H1, components, reason: 'test' })], 'any');
  };
  const unplace = async (appName: string) => {
    const subject = Subjects.placement(appName);
    await store.append(subject, [makeEvent('InstanceUnscheduled', subject, { app: appName, nodeId: NODE_ID, reason: 'test over' })], 'any');
  };

  beforeAll(async () => {
    await docker.ping().catch((err) => {
      throw new Error(`Docker engine not reachable on /var/run/docker.sock (${(err as Error).message}); run: bash scripts/infra/up.sh docker registry volumes && bash scripts/infra/demo-image.sh`);
    });
    nats = await startNats();
    db = await createTestDatabase('nodeagentvol');
    config = loadConfig(NodeAgentConfig, {
      NODE_ID, NODE_IP, HTTP_PORT: String(await freePort(NODE_IP)), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent',
      RECONCILE_INTERVAL_MS: '1000', HEARTBEAT_INTERVAL_MS: '200', REGISTRY_MIRROR: REGISTRY, DATA_DIR: dataDir,
    });
    store = await EventStore.connect({ servers: nats.url });
    await startAgent();
  });

  afterAll(async () => {
    await stopAgent();
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${Labels.node}=${NODE_ID}`] }) }).catch(() => []);
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    for (const mp of mounted().filter((m) => m.startsWith(`${dataDir}/`))) execFileSync('umount', [mp]);
    rmSync(dataDir, { recursive: true, force: true });
    await store?.close();
    await db?.drop();
    await nats?.stop();
  });

  it('mounts a volume of the hdd size per component and binds every containerData mount', async () => {
    // web: primary + an m: directory + an f: file; side: s: primary + web's appdata (0:) and web's file (cf:0:).
    await place(APP, [component('web', '/data|m:logs:/logs|f:app.conf:/etc/app.conf', 1), component('side', 's:/side|0:/web|cf:0:app.conf:/etc/web.conf', 0)]);
    await lastEvent(APP, 'InstanceStarted');
    expect(mounted()).toEqual(expect.arrayContaining([web.mountPoint, side.mountPoint]));

    const [w, s] = [await idOf('web'), await idOf('side')];
    // ext4 on 1 GiB: df reports its size (minus metadata), not the root disk's.
    const df = exec(w, "df -k /data | tail -1 | awk '{print $2}'");
    expect(Number(df.out.trim())).toBeGreaterThan(900_000);
    expect(Number(df.out.trim())).toBeLessThan(1_100_000);

    expect(exec(w, 'echo hello > /data/hello && echo log > /logs/a && echo conf=1 > /etc/app.conf').status).toBe(0);
    expect(readFileSync(join(web.appdata, 'hello'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(web.mountPoint, 'logs', 'a'), 'utf8')).toBe('log\n');
    expect(exec(s, 'cat /web/hello /etc/web.conf').out).toBe('hello\nconf=1\n');
    expect(exec(s, 'test -d /side && test -f /etc/web.conf').status).toBe(0);

    // Usage per app and component, for operators (refreshed every pass).
    await sleep(1500);
    const metrics = (await (await fetch(`http://${NODE_IP}:${config.HTTP_PORT}/metrics`)).text()).split('\n');
    const gauge = (name: string, comp: string) => Number(metrics.find((l) => l.startsWith(`${name}{`) && l.includes(`app="${APP}"`) && l.includes(`component="${comp}"`))?.split(' ').pop());
    expect(gauge('fluxplane_node_agent_volume_size_bytes', 'web')).toBeGreaterThan(900 * 1024 * 1024);
    expect(gauge('fluxplane_node_agent_volume_used_bytes', 'web')).toBeGreaterThan(0);
  });

  it('a write past hdd fails inside the container with "No space left on device"', async () => {
    const w = await idOf('web');
    const r = exec(w, 'dd if=/dev/zero of=/data/big bs=1M count=1200');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/No space left on device/);
    expect(exec(w, 'rm /data/big').status).toBe(0);
  }, 120_000);

  it('an agent restart keeps the container and the data (no duplicate, no reformat)', async () => {
    const before = (await ours()).map((c) => c.Id).sort();
    await stopAgent();
    await startAgent();
    await settle();
    expect((await ours()).map((c) => c.Id).sort()).toEqual(before);
    expect(exec(await idOf('web'), 'cat /data/hello').out).toBe('hello\n');
    expect(mounted().filter((m) => m === web.mountPoint)).toHaveLength(1);
  });

  it('after a reboot (volumes unmounted, containers stopped) the agent mounts them again before any container starts', async () => {
    const before = await idOf('web');
    await stopAgent();
    // What a reboot does: every container stops and the loop mounts are gone.
    for (const c of await ours()) await docker.getContainer(c.Id).stop({ t: 1 });
    execFileSync('umount', [web.mountPoint]);
    execFileSync('umount', [side.mountPoint]);
    expect(readdirSync(web.mountPoint)).toEqual([]);
    // Docker restarting the container over the unmounted volume is refused, and writes nothing to the root disk.
    await expect(docker.getContainer(before).start()).rejects.toThrow(/bind source path does not exist/);
    expect(readdirSync(web.mountPoint)).toEqual([]);

    await startAgent();
    // The agent adopts its stopped container and starts it again (crash policy: same container), which
    // Docker allows only once the volume is mounted again.
    await waitUntil(async () => ((await docker.getContainer(before).inspect()).State.Running ? true : undefined), { timeoutMs: 30_000, what: 'the container running again' });
    expect(mounted()).toEqual(expect.arrayContaining([web.mountPoint, side.mountPoint]));
    expect((await ours()).filter((c) => c.Labels[Labels.component] === 'web')).toHaveLength(1);
    expect(exec(before, 'cat /data/hello /logs/a').out).toBe('hello\nlog\n');
  });

  it('a component whose containerData did not parse fails its start, naming why', async () => {
    const bad = `bad${suffix}`;
    await place(bad, [component('web', 'x:y:/data|', 1)]);
    const failed = await lastEvent(bad, 'InstanceFailed');
    expect(failed.type === 'InstanceFailed' && failed.data.error).toMatch(/component web: containerData "x:y:\/data\|" does not parse/);
    expect(await ours(bad)).toEqual([]);
    await unplace(bad);
    await lastEvent(bad, 'InstanceStopped');
  });

  it('an unscheduled instance loses its containers, then its volumes (unmounted, files deleted)', async () => {
    await unplace(APP);
    await lastEvent(APP, 'InstanceStopped');
    expect(await ours()).toEqual([]);
    await waitUntil(async () => (!mounted().some((m) => m.startsWith(`${dataDir}/`)) && !existsSync(web.image) && !existsSync(side.image) ? true : undefined), { timeoutMs: 15_000, what: 'the volumes to be removed' });
    expect(existsSync(web.mountPoint)).toBe(false);
    expect(readdirSync(join(dataDir, 'volumes'))).toEqual([]);
  });
});
