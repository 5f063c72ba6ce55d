import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import { errorData, eventStoreFixture, EventStoreWithDatabaseFixture, freePort, readReply, successData, waitUntil } from '@fluxplane/testkit';
import { DomainManagerConfig } from '../src/config';
import { DomainManagerModule } from '../src/app.module';
import { RouteApplier } from '../src/reconcile/route-applier';
import { PROXY_ADAPTER } from '../src/adapters/proxy-adapter';
import type { HaproxyAdapter } from '../src/adapters/haproxy.adapter';
import { get, startEcho, startHaproxy, TestHaproxy } from './haproxy-harness';

const DOMAIN = 'fluxplane.test';
const HASH = 'b'.repeat(64);
const APP = 'counter';
const HOST = `${APP}.app.${DOMAIN}`;
const NODES = [['node-a', '127.0.0.2'], ['node-b', '127.0.0.3'], ['node-c', '127.0.0.4']] as const;
const AppIps = z.object({ appName: z.string(), ips: z.array(z.string()), count: z.number() });

/**
 * A primary/standby (`g:`) app with three running instances, through the service's HTTP port and a
 * real HAProxy, NATS and Postgres: only the master of the highest term is routed.
 */
describe('domain-manager: g: apps are routed only to their master', () => {
  let fx: EventStoreWithDatabaseFixture;
  let haproxy: TestHaproxy;
  let app: NestFastifyApplication | undefined;
  let base: string;
  let appPort: number;
  const echoes: Server[] = [];

  const spec = () => ({ version: 3, name: APP, ports: [String(appPort)], containerData: 'g:/data', instances: 3 });
  const append = (subject: string, type: 'AppRegistered' | 'InstanceStarted' | 'MasterElected', data: unknown) =>
    fx.store.append(subject, [makeEvent(type, subject, data as never)], 'any');
  const elect = (nodeId: string, term: number) =>
    append(Subjects.master(APP), 'MasterElected', { app: APP, component: APP, nodeId, term, reason: 'test', leaseMs: 3000 });
  const sample = async (n = 6) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await get(haproxy.port, HOST);
      out.push(`${r.status} ${r.body}`);
    }
    return out;
  };
  const onlyFrom = (ip: string) => waitUntil(async () => ((await sample()).every((b) => b === `200 ${ip}`) ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 10, what: `${HOST} answered only by ${ip}` });
  const settled = () => waitUntil(() => app!.get(RouteApplier).settled, { timeoutMs: 15_000, what: 'apply finished' });
  const appIps = async (name: string) => readReply(await fetch(`${base}/appips/${name}`), AppIps);

  beforeAll(async () => {
    [fx, haproxy] = await Promise.all([eventStoreFixture({ database: 'dmmaster' }), startHaproxy()]);
    fx.onClose(() => haproxy.stop());
    fx.onClose(() => echoes.forEach((s) => s.close()));
    for (let attempt = 0; echoes.length < NODES.length && attempt < 20; attempt++) {
      appPort = await freePort('127.0.0.2');
      echoes.splice(0).forEach((s) => s.close());
      try {
        for (const [, ip] of NODES) echoes.push(await startEcho(ip, appPort));
      } catch { /* taken on one address: try another port */ }
    }
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    const config = loadConfig(DomainManagerConfig, {
      HTTP_PORT: String(httpPort), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent', APP_DOMAIN: DOMAIN,
      HAPROXY_CONFIG: haproxy.config, HAPROXY_MAP: haproxy.map, HAPROXY_MASTER_SOCKET: haproxy.master, HAPROXY_ADMIN_SOCKET: haproxy.admin,
      HAPROXY_BIND: `127.0.0.1:${haproxy.port}`, APPLY_DEBOUNCE_MS: '50', RESYNC_INTERVAL_MS: '0',
    });
    fx.onClose(() => app?.close());
    const logger = createLogger('domain-manager', 'silent');
    app = await startService({ module: DomainManagerModule.forRoot(config, logger), config, logger });
    await app.get(ProjectionHost).catchUp();
  });

  afterAll(() => fx?.close());

  it('answers 503 while the g: app has no master, and /appips lists the running instances', async () => {
    await append(Subjects.app(APP), 'AppRegistered', {
      name: APP, hash: HASH, owner: 'owner', spec: spec(), runtime: runtimeView(spec()), txid: 'tx', height: 10,
      expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
    });
    for (const [node, ip] of NODES) {
      await append(Subjects.instance(APP, node), 'InstanceStarted', { app: APP, nodeId: node, ip, specHash: HASH, ports: [appPort], containers: [{ component: APP, id: `c-${node}` }] });
    }
    await waitUntil(async () => (await get(haproxy.port, HOST)).status === 503 ? true : undefined, { timeoutMs: 15_000, intervalMs: 20, what: 'the app known to HAProxy' });
    await waitUntil(async () => {
      const r = await appIps(APP);
      return r.body.status === 'success' && r.body.data.count === 3 ? true : undefined;
    }, { timeoutMs: 5000, what: 'three instances in /appips' });
    await settled();
    expect((await sample(3)).map((s) => s.split(' ')[0])).toEqual(['503', '503', '503']);
    expect(successData((await appIps(APP)).body).ips).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });

  it('routes only to the master of term 1, and /appips names it first', async () => {
    await elect('node-b', 1);
    await onlyFrom('127.0.0.3');
    await settled();
    const live = await (app!.get(PROXY_ADAPTER) as HaproxyAdapter).runtime.serversState(`be_${APP}_${appPort}`);
    expect(live.map((s) => s.name)).toEqual([`127.0.0.3:${appPort}`]);
    const reply = await appIps(APP);
    expect(reply.http).toBe(200);
    expect(successData(reply.body)).toEqual({ appName: APP, ips: ['127.0.0.3', '127.0.0.2', '127.0.0.4'], count: 3 });
  });

  it('on a new term takes the old master out before the new one is in, at runtime, and never serves both', async () => {
    const adapter = app!.get(PROXY_ADAPTER) as HaproxyAdapter;
    const commands: string[] = [];
    const admin = adapter.runtime.admin.bind(adapter.runtime);
    const spy = vi.spyOn(adapter.runtime, 'admin').mockImplementation((command: string) => {
      commands.push(command);
      return admin(command);
    });
    // A client hammers the app during the change: once the new master answered, the old one never does.
    const answers: string[] = [];
    let stop = false;
    const client = (async () => {
      while (!stop) answers.push(`${(await get(haproxy.port, HOST)).body}`);
    })();
    try {
      const t0 = performance.now();
      await elect('node-c', 2);
      await onlyFrom('127.0.0.4');
      console.log(`[domain-manager] MasterElected term 2 → only the new master answers: ${(performance.now() - t0).toFixed(0)} ms (debounce 50 ms)`);
      await settled();
    } finally {
      stop = true;
      await client;
      spy.mockRestore();
    }
    expect(commands).not.toContain('reload');
    const out = commands.findIndex((c) => c === `set server be_${APP}_${appPort}/127.0.0.3:${appPort} state maint`);
    const inn = commands.findIndex((c) => c.startsWith(`add server be_${APP}_${appPort}/127.0.0.4:${appPort}`));
    expect(out).toBeGreaterThanOrEqual(0);
    expect(inn).toBeGreaterThan(out);
    const firstNew = answers.indexOf('127.0.0.4');
    expect(firstNew).toBeGreaterThanOrEqual(0);
    expect(answers.slice(firstNew).filter((a) => a === '127.0.0.3')).toEqual([]);
    expect(answers.filter((a) => a === '127.0.0.2')).toEqual([]); // never a replica
    expect(successData((await appIps(APP)).body).ips[0]).toBe('127.0.0.4');
    // RoutesApplied records the one server.
    const last = await fx.store.last(Subjects.routing(DOMAIN));
    expect(last?.event.data).toMatchObject({ routes: expect.arrayContaining([{ host: HOST, servers: [`127.0.0.4:${appPort}`] }]) });
  });

  it('ignores a lower term that arrives late', async () => {
    await elect('node-a', 1);
    await app!.get(ProjectionHost).catchUp();
    await settled();
    expect(await sample()).toEqual(Array(6).fill('200 127.0.0.4'));
    expect(successData((await appIps(APP)).body).ips[0]).toBe('127.0.0.4');
  });

  it('/appips lists the standbys placed but not running after the master, and they are not routed', async () => {
    // A fourth placement whose component stays stopped (a g: standby never reports InstanceStarted),
    // and a replica that stopped: both stay in /appips after the master, neither gets traffic.
    const standby = ['node-d', '127.0.0.5'] as const;
    const subject = Subjects.placement(APP);
    const component = { name: APP, image: 'demo', ports: [{ host: appPort, container: 80 }], environment: [], commands: [], containerData: 'g:/data', data: null, cpu: 0.1, ramMb: 100, hddGb: 1 };
    await fx.store.append(subject, [makeEvent('InstanceScheduled', subject, { app: APP, nodeId: standby[0], nodeIp: standby[1], specHash: HASH, components: [component], reason: 'test' })], 'any');
    await fx.store.append(Subjects.instance(APP, 'node-a'), [makeEvent('InstanceStopped', Subjects.instance(APP, 'node-a'), { app: APP, nodeId: 'node-a', reason: 'test' })], 'any');
    await app!.get(ProjectionHost).catchUp();
    await waitUntil(async () => ((successData((await appIps(APP)).body).count === 4) ? true : undefined), { timeoutMs: 5000, what: 'four placed instances in /appips' });
    expect(successData((await appIps(APP)).body)).toEqual({ appName: APP, ips: ['127.0.0.4', '127.0.0.2', '127.0.0.3', '127.0.0.5'], count: 4 });
    await settled();
    expect(await sample()).toEqual(Array(6).fill('200 127.0.0.4'));
  });

  it('answers 404 in the Flux envelope for an unknown app', async () => {
    const reply = await appIps('nosuchapp');
    expect(reply.http).toBe(404);
    expect(errorData(reply.body)).toMatchObject({ code: 404 });
  });
});
