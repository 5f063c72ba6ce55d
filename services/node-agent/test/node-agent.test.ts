import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HealthCheckResult } from '@nestjs/terminus';
import Docker from 'dockerode';
import { makeEvent, nodeAgentRpc, Signals, Subjects, type ComponentRun, type DomainEvent } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { call, createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import {
  createTestDatabase, freePort, getReply, readJson, sleep, startNats, waitUntil, type TestDatabase, type TestNats,
} from '@fluxplane/testkit';
import { NodeAgentConfig } from '../src/config';
import { NodeAgentModule } from '../src/app.module';
import { NodeReconciler } from '../src/reconcile/node-reconciler';
import { Labels } from '../src/domain/naming';

/**
 * The agent against the real Docker engine, the local registry (scripts/infra/up.sh docker registry
 * && scripts/infra/demo-image.sh) and a private NATS. Without Docker this fails, by design.
 */
const REGISTRY = '127.0.0.1:5000';
const DEMO = 'fluxplane/demo:latest';
const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const suffix = randomBytes(3).toString('hex');
const NODE_ID = `it-${suffix}`;
const NODE_IP = `127.0.0.${200 + (parseInt(suffix, 16) % 50)}`;

describe('node agent (real Docker)', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const logger = createLogger('node-agent', 'silent');
  let nats: TestNats;
  let db: TestDatabase;
  let store: EventStore;
  let config: NodeAgentConfig;
  let app: NestFastifyApplication | undefined;
  let api: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'node-agent-it-'));

  const startAgent = async () => {
    app = await startService({ module: NodeAgentModule.forRoot(config, logger), config, logger });
  };

  const ourContainers = () => docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${Labels.node}=${NODE_ID}`] }) });

  const events = async (app: string): Promise<DomainEvent[]> => (await store.readStream(Subjects.instance(app, NODE_ID))).events.map((e) => e.event);

  const lastEvent = async (app: string, type: DomainEvent['type']) => waitUntil(async () => {
    const last = await store.last(Subjects.instance(app, NODE_ID));
    return last?.event.type === type ? last.event : undefined;
  }, { timeoutMs: 30_000, what: `${type} for ${app}` });

  const schedule = async (app: string, specHash: string, component: Partial<ComponentRun>) => {
    const subject = Subjects.placement(app);
    const data = { raw: '/data', syncMode: null, mounts: [{ kind: 'primary' as const, containerPath: '/data', subdir: 'appdata', isFile: false }] };
    const run: ComponentRun = { name: 'web', image: DEMO, ports: [], environment: ['GREETING=hello'], commands: [], containerData: '/data', data, cpu: 0.2, ramMb: 64, hddGb: 0, ...component };
    await store.append(subject, [makeEvent('InstanceScheduled', subject, { app, nodeId: NODE_ID, nodeIp: NODE_IP, specHash, components: [run], reason: 'test' })], 'any');
  };

  beforeAll(async () => {
    // Fail loudly, naming the fix, when the real infrastructure is not there.
    await docker.ping().catch((err) => {
      throw new Error(`Docker engine not reachable on /var/run/docker.sock (${(err as Error).message}); run: bash scripts/infra/up.sh docker registry && bash scripts/infra/demo-image.sh`);
    });
    const manifest = await fetch(`http://${REGISTRY}/v2/fluxplane/demo/manifests/latest`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } }).catch(() => undefined);
    if (manifest?.status !== 200) throw new Error(`${REGISTRY}/${DEMO} not in the registry; run: bash scripts/infra/demo-image.sh`);

    nats = await startNats();
    db = await createTestDatabase('nodeagent');
    const port = await freePort(NODE_IP);
    config = loadConfig(NodeAgentConfig, {
      NODE_ID, NODE_IP, HTTP_PORT: String(port), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent',
      RECONCILE_INTERVAL_MS: '1000', HEARTBEAT_INTERVAL_MS: '200', REGISTRY_MIRROR: REGISTRY, DATA_DIR: dataDir,
      CRASH_RESTART_LIMIT: '2', CRASH_WINDOW_MS: '60000', CRASH_BACKOFF_INITIAL_MS: '300', CRASH_BACKOFF_MAX_MS: '1000',
    });
    store = await EventStore.connect({ servers: nats.url });
    await startAgent();
    api = `http://${NODE_IP}:${port}`;
  });

  afterAll(async () => {
    await app?.close();
    for (const c of await ourContainers().catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    await store?.close();
    await db?.drop();
    await nats?.stop();
    // Volumes the agent left mounted (a failed test) must not outlive the run.
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const mp = line.split(' ')[4];
      if (mp?.startsWith(`${dataDir}/`)) execFileSync('umount', [mp]);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends heartbeats on core NATS', async () => {
    const sub = store.nc.subscribe(Signals.heartbeat(NODE_ID), { max: 1 });
    for await (const m of sub) {
      const hb = m.json<{ nodeId: string; ip: string; at: string }>();
      expect(hb).toMatchObject({ nodeId: NODE_ID, ip: NODE_IP });
      expect(Date.now() - Date.parse(hb.at)).toBeLessThan(5000);
    }
  });

  it('runs a scheduled instance, reports it started, and serves it on the node address', async () => {
    const name = `demo${suffix}`;
    const port = await freePort(NODE_IP);
    await schedule(name, H1, { ports: [{ host: port, container: 8080 }] });

    const started = await lastEvent(name, 'InstanceStarted');
    expect(started.data).toMatchObject({ app: name, nodeId: NODE_ID, ip: NODE_IP, specHash: H1, ports: [port] });

    const whoami = await waitUntil(async () => {
      const res = await fetch(`http://${NODE_IP}:${port}/cgi-bin/whoami`);
      return res.ok ? res.text() : undefined;
    }, { timeoutMs: 10_000, what: 'the demo container to answer' });
    expect(whoami).toContain(`node=${NODE_ID}`);
    expect(whoami).toContain(`app=${name}`);

    const [c] = (await ourContainers()).filter((x) => x.Labels[Labels.app] === name);
    expect(c!.Names).toEqual([`/fluxweb_${name}_${NODE_ID}`]);
    expect(started.type === 'InstanceStarted' && started.data.containers).toEqual([{ component: 'web', id: c!.Id }]);
    const inspect = await docker.getContainer(c!.Id).inspect();
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(200_000_000);
    // The agent owns restarts (crash policy), so Docker's policy is off.
    expect(inspect.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(inspect.HostConfig.PortBindings?.['8080/tcp']).toEqual([{ HostIp: NODE_IP, HostPort: String(port) }]);
    expect(inspect.HostConfig.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: join(dataDir, 'apps', `fluxweb_${name}`, 'appdata'), Target: '/data' })]);
    expect(inspect.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', `FLUX_APP=${name}`, `FLUX_NODE_ID=${NODE_ID}`]));
    expect(inspect.Config.Labels).toMatchObject({ [Labels.app]: name, [Labels.node]: NODE_ID, [Labels.component]: 'web', [Labels.specHash]: H1 });

    const list = await getReply<unknown[]>(`${api}/apps/listrunningapps`);
    expect(list.status).toBe('success');
    expect(list.data).toEqual(expect.arrayContaining([expect.objectContaining({ Names: [`/fluxweb_${name}`], State: 'running', Image: `${REGISTRY}/${DEMO}` })]));

    const health = await readJson<HealthCheckResult>(await fetch(`${api}/health`));
    expect(health.details.docker).toEqual({ status: 'up' });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/fluxplane_node_agent_running_instances\{[^}]*\} 1/);
    expect(metrics).toMatch(/fluxplane_node_agent_pull_duration_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
  });

  it('reports a missing image as failed, once, naming the image', async () => {
    const name = `missing${suffix}`;
    await schedule(name, H1, { image: `fluxplane/missing-${suffix}:latest` });
    const failed = await lastEvent(name, 'InstanceFailed');
    expect(failed.type === 'InstanceFailed' && failed.data.error).toContain(`${REGISTRY}/fluxplane/missing-${suffix}:latest`);
    // Retries back off and a repeated failure is not news: still one event after a few passes.
    await sleep(3000);
    expect((await events(name)).map((e) => e.type)).toEqual(['InstanceFailed']);
  });

  it('restarts a crashed container (the same one) with backoff, and reports nothing new when it runs again', async () => {
    const name = `flaky${suffix}`;
    // Crashes on its first run only: the marker file survives in the same container's filesystem.
    await schedule(name, H1, { commands: ['sh', '-c', 'if [ ! -f /tmp/ran ]; then touch /tmp/ran; exit 7; fi; exec /start.sh'] });
    const started = await lastEvent(name, 'InstanceStarted');
    // Started, crashed, restarted: the same container runs again.
    const c = await waitUntil(async () => {
      const [x] = (await ourContainers()).filter((y) => y.Labels[Labels.app] === name);
      return x && x.State === 'running' && (await docker.getContainer(x.Id).inspect()).State.StartedAt > (started.time ?? '') ? x : undefined;
    }, { timeoutMs: 15_000, what: 'the crashed container running again' });
    expect(started.type === 'InstanceStarted' && started.data.containers).toEqual([{ component: 'web', id: c.Id }]);
    await sleep(1500);
    expect((await ourContainers()).filter((x) => x.Labels[Labels.app] === name).map((x) => [x.Id, x.State])).toEqual([[c.Id, 'running']]);
    // The same container again is no news.
    expect((await events(name)).map((e) => e.type)).toEqual(['InstanceStarted']);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/fluxplane_node_agent_crash_restarts_total\{[^}]*\} [1-9]/);
  });

  it('gives up on a crash loop: InstanceFailed naming the rule and the exit code, and no more restarts', async () => {
    const name = `crashy${suffix}`;
    await schedule(name, H1, { commands: ['sh', '-c', 'exit 3'] });
    const failed = await lastEvent(name, 'InstanceFailed');
    expect(failed.type === 'InstanceFailed' && failed.data.error).toBe('crash loop: component web exited 3 times within 60 s (restart limit 2); last exit code 3');
    const [c] = (await ourContainers()).filter((x) => x.Labels[Labels.app] === name);
    const startedAt = (await docker.getContainer(c!.Id).inspect()).State.StartedAt;
    await sleep(2500);
    expect((await docker.getContainer(c!.Id).inspect()).State.StartedAt).toBe(startedAt);
    // It may have been seen running before its first crash; either way it ends failed, once.
    expect((await events(name)).map((e) => e.type).filter((t) => t === 'InstanceFailed')).toEqual(['InstanceFailed']);
    expect((await store.last(Subjects.instance(name, NODE_ID)))?.event.type).toBe('InstanceFailed');
  });

  it('answers the owner routes over the bus: logs, stats, inspect; a stopped app stays stopped until started', async () => {
    const name = `demo${suffix}`;
    const rpc = nodeAgentRpc(NODE_ID);
    const [logs] = await call(store.nc, rpc.appLog, { app: name.toUpperCase(), lines: 50 });
    expect(logs).toMatchObject({ component: 'web', container: `fluxweb_${name}_${NODE_ID}` });
    expect(typeof logs!.log).toBe('string');
    const [stats] = await call(store.nc, rpc.appStats, { app: name });
    expect(stats!.stats).toHaveProperty('memory_stats');
    const [inspect] = await call(store.nc, rpc.appInspect, { app: name });
    expect(inspect!.inspect).toMatchObject({ Name: `/fluxweb_${name}_${NODE_ID}` });
    await expect(call(store.nc, rpc.appLog, { app: `nothere${suffix}` })).rejects.toThrow(/has no container on node/);
    await expect(call(store.nc, rpc.appControl, { app: `nothere${suffix}`, action: 'stop' })).rejects.toThrow(/not placed on node/);

    const id = (await ourContainers()).find((x) => x.Labels[Labels.app] === name)!.Id;
    const stopped = await call(store.nc, rpc.appControl, { app: name, action: 'stop' });
    expect(stopped.containers).toEqual([expect.objectContaining({ component: 'web', state: 'exited' })]);
    expect((await store.last(Subjects.instance(name, NODE_ID)))?.event).toMatchObject({ type: 'InstanceStopped', data: { byOwner: true } });
    await sleep(2500); // periodic passes: the agent must not start it again
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(false);

    const started = await call(store.nc, rpc.appControl, { app: name, action: 'start' });
    expect(started.containers).toEqual([expect.objectContaining({ state: 'running' })]);
    const last = await lastEvent(name, 'InstanceStarted');
    expect(last.type === 'InstanceStarted' && last.data.containers).toEqual([{ component: 'web', id }]);

    const before = (await docker.getContainer(id).inspect()).State.StartedAt;
    const restarted = await call(store.nc, rpc.appControl, { app: name, action: 'restart' });
    expect(restarted.containers).toEqual([expect.objectContaining({ state: 'running' })]);
    expect((await docker.getContainer(id).inspect()).State.StartedAt).not.toBe(before);
  });

  it('survives its own restart without touching containers or repeating events', async () => {
    const name = `demo${suffix}`;
    const before = await events(name);
    const ids = (await ourContainers()).map((c) => c.Id).sort();
    // No container is recreated, duplicated or even restarted by the new agent.
    const startedAt = async () => Promise.all(ids.map(async (id) => (await docker.getContainer(id).inspect()).State.StartedAt));
    const startedBefore = await startedAt();
    const running = (await ourContainers()).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    await app!.close();
    app = undefined;
    // Shutting down leaves the workload running.
    expect((await ourContainers()).filter((c) => c.State === 'running').map((c) => c.Id).sort()).toEqual(running);

    await startAgent();
    await app!.get(ProjectionHost).catchUp();
    await sleep(2500); // the first pass and at least one periodic one
    await app!.get(NodeReconciler).loop.idle();
    expect((await ourContainers()).map((c) => c.Id).sort()).toEqual(ids);
    expect(await startedAt()).toEqual(startedBefore);
    expect(await events(name)).toEqual(before);
    expect((await events(`missing${suffix}`)).map((e) => e.type)).toEqual(['InstanceFailed']);
  });

  it('replaces the container when the spec changes', async () => {
    const name = `demo${suffix}`;
    const [old] = (await ourContainers()).filter((x) => x.Labels[Labels.app] === name);
    const port = await freePort(NODE_IP);
    await schedule(name, H2, { ports: [{ host: port, container: 8080 }] });
    const started = await waitUntil(async () => {
      const last = await store.last(Subjects.instance(name, NODE_ID));
      return last?.event.type === 'InstanceStarted' && last.event.data.specHash === H2 ? last.event : undefined;
    }, { what: 'InstanceStarted for the new spec' });
    expect(started.data.containers[0]!.id).not.toBe(old!.Id);
    const now = (await ourContainers()).filter((x) => x.Labels[Labels.app] === name);
    expect(now.map((c) => [c.Id, c.Labels[Labels.specHash]])).toEqual([[started.data.containers[0]!.id, H2]]);
  });

  it('removes an unscheduled instance and reports it stopped', async () => {
    for (const name of [`demo${suffix}`, `missing${suffix}`, `flaky${suffix}`, `crashy${suffix}`]) {
      const subject = Subjects.placement(name);
      await store.append(subject, [makeEvent('InstanceUnscheduled', subject, { app: name, nodeId: NODE_ID, reason: 'test over' })], 'any');
    }
    const stopped = await lastEvent(`demo${suffix}`, 'InstanceStopped');
    expect(stopped.data).toMatchObject({ app: `demo${suffix}`, nodeId: NODE_ID, reason: 'unscheduled: test over' });
    // The other apps' containers go in the same pass or the next (removals run side by side).
    await waitUntil(async () => ((await ourContainers()).length === 0 ? true : undefined), { timeoutMs: 15_000, what: 'every unscheduled container removed' });
    await lastEvent(`missing${suffix}`, 'InstanceStopped');
    const list = await (await fetch(`${api}/apps/listrunningapps`)).json();
    expect(list).toEqual({ status: 'success', data: [] });
  });

  it('ignores placements of other nodes', async () => {
    const name = `other${suffix}`;
    const subject = Subjects.placement(name);
    await store.append(subject, [makeEvent('InstanceScheduled', subject, {
      app: name, nodeId: `${NODE_ID}-other`, nodeIp: '127.0.0.99', specHash: H1, reason: 'test',
      components: [{ name: 'web', image: DEMO, ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 0.1, ramMb: 64, hddGb: 0 }],
    })], 'any');
    await app!.get(ProjectionHost).catchUp();
    await sleep(1500);
    await app!.get(NodeReconciler).loop.idle();
    expect(await ourContainers()).toEqual([]);
    expect(await store.last(Subjects.instance(name, NODE_ID))).toBeNull();
  });
});
