import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Histogram, register } from 'prom-client';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, getReply, successData, waitUntil } from '@fluxplane/testkit';
import { DomainManagerConfig } from '../src/config';
import { DomainManagerModule } from '../src/app.module';
import { STICKY_COOKIE } from '../src/domain/render-config';
import { RouteApplier } from '../src/reconcile/route-applier';
import { HaproxyRuntime, ReloadError } from '../src/adapters/haproxy-runtime';
import { get, startEcho, startHaproxy, TestHaproxy } from './haproxy-harness';
import { runtimeView } from '@fluxplane/flux-spec';

const DOMAIN = 'fluxplane.test';
const HASH = 'a'.repeat(64);

async function counter(name: string): Promise<number> {
  const m = await register.getSingleMetric(name)?.get();
  return m?.values[0]?.value ?? 0;
}

describe('domain-manager with a real HAProxy', () => {
  let fx: EventStoreWithDatabaseFixture;
  let haproxy: TestHaproxy;
  let app: NestFastifyApplication | undefined;
  let config: DomainManagerConfig;
  let base: string;
  let appPort: number;
  const echoes: Server[] = [];

  async function startApp(): Promise<NestFastifyApplication> {
    const logger = createLogger('domain-manager', 'silent');
    const a = await startService({ module: DomainManagerModule.forRoot(config, logger), config, logger });
    await a.get(ProjectionHost).catchUp();
    return a;
  }

  /** Bodies of `n` requests through HAProxy for a Host header. */
  async function sample(host: string, n = 6): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await get(haproxy.port, host);
      out.push(`${r.status} ${r.body}`);
    }
    return out;
  }

  const spec_ = (name: string, ports: number[]) => ({ version: 3, name, ports: ports.map(String), instances: 3 });
  const register_ = (name: string, ports: number[]) => fx.store.append(Subjects.app(name), [makeEvent('AppRegistered', Subjects.app(name), {
    name, hash: HASH, owner: 'owner', spec: spec_(name, ports), runtime: runtimeView(spec_(name, ports)), txid: 'tx', height: 10,
    expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
  })], 'any');
  const started = (app_: string, node: string, ip: string, ports: number[]) => fx.store.append(Subjects.instance(app_, node), [makeEvent('InstanceStarted', Subjects.instance(app_, node), {
    app: app_, nodeId: node, ip, specHash: HASH, ports, containers: [{ component: app_, id: `c-${node}` }],
  })], 'any');
  const stopped = (app_: string, node: string) => fx.store.append(Subjects.instance(app_, node), [makeEvent('InstanceStopped', Subjects.instance(app_, node), {
    app: app_, nodeId: node, reason: 'test',
  })], 'any');

  beforeAll(async () => {
    [fx, haproxy] = await Promise.all([eventStoreFixture({ database: 'dm' }), startHaproxy()]);
    fx.onClose(() => haproxy.stop());
    fx.onClose(() => echoes.forEach((s) => s.close()));
    // One port free on both backend addresses.
    for (let attempt = 0; echoes.length < 2 && attempt < 20; attempt++) {
      appPort = await freePort('127.0.0.2');
      echoes.splice(0).forEach((s) => s.close());
      try {
        echoes.push(await startEcho('127.0.0.2', appPort), await startEcho('127.0.0.3', appPort));
      } catch { /* taken on .3: try another */ }
    }
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    config = loadConfig(DomainManagerConfig, {
      HTTP_PORT: String(httpPort), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent',
      APP_DOMAIN: DOMAIN,
      HAPROXY_CONFIG: haproxy.config, HAPROXY_MAP: haproxy.map, HAPROXY_MASTER_SOCKET: haproxy.master, HAPROXY_ADMIN_SOCKET: haproxy.admin,
      HAPROXY_BIND: `127.0.0.1:${haproxy.port}`, APPLY_DEBOUNCE_MS: '50', RESYNC_INTERVAL_MS: '0',
    });
    fx.onClose(() => app?.close());
    app = await startApp();
  });

  afterAll(() => fx?.close());

  it('routes an app to its running instances, round robin, after a reload', async () => {
    const t0 = performance.now();
    await register_('demo', [appPort]);
    await started('demo', 'node-a', '127.0.0.2', [appPort]);
    await started('demo', 'node-b', '127.0.0.3:16127', [appPort]); // Flux-style ip:apiPort
    const bodies = await waitUntil(async () => {
      const s = await sample('demo.app.fluxplane.test');
      return new Set(s).size === 2 && s.every((b) => b.startsWith('200 ')) ? s : undefined;
    }, { timeoutMs: 15_000, intervalMs: 20, what: 'both backends through HAProxy' });
    console.log(`[domain-manager] events → both servers routed: ${(performance.now() - t0).toFixed(0)} ms (debounce 50 ms)`);
    expect(bodies.slice(0, 4).sort()).toEqual(['200 127.0.0.2', '200 127.0.0.2', '200 127.0.0.3', '200 127.0.0.3']);
    expect(bodies[0]).not.toBe(bodies[1]); // round robin alternates
    // Per-port name, mixed case and a port in the Host header route the same.
    expect((await get(haproxy.port, `demo_${appPort}.app.fluxplane.test`)).status).toBe(200);
    expect((await get(haproxy.port, `DEMO.App.FluxPlane.Test:${haproxy.port}`)).status).toBe(200);

    // Published once HAProxy confirmed: shortly after traffic already flows.
    const last = await waitUntil(async () => {
      const l = await fx.store.last(Subjects.routing(DOMAIN));
      return l?.event.type === 'RoutesApplied' && JSON.stringify(l.event.data).includes('127.0.0.3') ? l : undefined;
    }, { timeoutMs: 5000, what: 'RoutesApplied with both servers' });
    expect(await counter('fluxplane_haproxy_reloads_total')).toBeGreaterThanOrEqual(1);
    await waitUntil(() => app!.get(RouteApplier).settled, { timeoutMs: 15_000, what: 'apply finished' });
    expect(last?.event.data).toMatchObject({
      domain: DOMAIN,
      routes: expect.arrayContaining([{ host: 'demo.app.fluxplane.test', servers: [`127.0.0.2:${appPort}`, `127.0.0.3:${appPort}`] }]),
    });
  });

  it('answers 404 for an unknown host', async () => {
    expect(await get(haproxy.port, 'nope.app.fluxplane.test')).toMatchObject({ status: 404, body: 'no route\n' });
    expect((await get(haproxy.port, `demo_1.app.fluxplane.test`)).status).toBe(404);
  });

  it('removes a stopped instance through the runtime API, without a reload, and keeps the files in sync', async () => {
    const reloads = await counter('fluxplane_haproxy_reloads_total');
    const runtimeApplies = await counter('fluxplane_haproxy_runtime_applies_total');
    const routingSeq = (await fx.store.last(Subjects.routing(DOMAIN)))!.seq;
    const t0 = performance.now();
    await stopped('demo', 'node-b');
    await waitUntil(async () => (await sample('demo.app.fluxplane.test', 4)).every((b) => b === '200 127.0.0.2'), { timeoutMs: 10_000, intervalMs: 10, what: 'node-b out of rotation' });
    console.log(`[domain-manager] InstanceStopped → server out: ${(performance.now() - t0).toFixed(0)} ms`);
    // Traffic follows the runtime API before the files are written; wait for the whole apply,
    // including the deletion of the retired server once HAProxy's idle connections to it are gone.
    const applier = app!.get(RouteApplier);
    await waitUntil(() => applier.settled, { timeoutMs: 15_000, what: 'apply finished' });
    console.log(`[domain-manager] InstanceStopped → server deleted from HAProxy: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(applier.last?.reason).toBeUndefined(); // no fallback to a reload
    expect(await counter('fluxplane_haproxy_reloads_total')).toBe(reloads);
    expect(await counter('fluxplane_haproxy_runtime_applies_total')).toBe(runtimeApplies + 1);
    expect(readFileSync(haproxy.config, 'utf8')).not.toContain('127.0.0.3');
    // Nor would a restart of HAProxy bring it back into rotation from its state file.
    const retired = readFileSync(join(dirname(haproxy.config), 'server-state'), 'utf8').split('\n').find((l) => l.includes(`127.0.0.3:${appPort} 127.0.0.3`));
    expect(retired === undefined || retired.split(' ')[6] !== '0').toBe(true);
    const live = await new HaproxyRuntime({ admin: haproxy.admin, master: haproxy.master }).serversState(`be_demo_${appPort}`);
    expect(live.map((s) => s.name)).toEqual([`127.0.0.2:${appPort}`]);
    await waitUntil(async () => ((await fx.store.last(Subjects.routing(DOMAIN)))!.seq > routingSeq ? true : undefined), { timeoutMs: 5000, what: 'RoutesApplied' });
    const last = await fx.store.last(Subjects.routing(DOMAIN));
    expect(last?.event.data).toMatchObject({ reloaded: false, routes: expect.arrayContaining([{ host: 'demo.app.fluxplane.test', servers: [`127.0.0.2:${appPort}`] }]) });
  });

  it('adds a server at runtime, and a later reload (new app) keeps it', async () => {
    const reloads = await counter('fluxplane_haproxy_reloads_total');
    const runtimeApplies = await counter('fluxplane_haproxy_runtime_applies_total');
    await started('demo', 'node-b', '127.0.0.3', [appPort]);
    await waitUntil(async () => new Set(await sample('demo.app.fluxplane.test', 4)).size === 2, { timeoutMs: 10_000, intervalMs: 10, what: 'node-b back' });
    await waitUntil(() => app!.get(RouteApplier).settled, { timeoutMs: 15_000, what: 'apply finished' });
    // Applied through the runtime API (the passes after it only watch the server's first check).
    expect(await counter('fluxplane_haproxy_runtime_applies_total')).toBe(runtimeApplies + 1);
    expect(await counter('fluxplane_haproxy_reloads_total')).toBe(reloads);
    // The state file HAProxy would load at a restart has the server back in rotation (admin state 0).
    const stateLine = readFileSync(join(dirname(haproxy.config), 'server-state'), 'utf8').split('\n').find((l) => l.includes(`127.0.0.3:${appPort} 127.0.0.3`));
    expect(stateLine?.split(' ')[6]).toBe('0');

    await register_('other', [appPort]);
    await started('other', 'node-a', '127.0.0.2', [appPort]);
    await waitUntil(async () => (await get(haproxy.port, 'other.app.fluxplane.test')).body === '127.0.0.2', { timeoutMs: 10_000, intervalMs: 10, what: 'other routed' });
    // The new worker serves before the reload is confirmed: wait for the confirmation.
    await waitUntil(async () => (await counter('fluxplane_haproxy_reloads_total')) > reloads, { timeoutMs: 5000, what: 'reload confirmed' });
    // The runtime-added server came back from the config file after the reload.
    expect(new Set(await sample('demo.app.fluxplane.test', 4)).size).toBe(2);
  });

  it('a routed server left in drain is back in rotation after the next reload', async () => {
    // Whatever held it there (a dump taken while it drained, an operator's `set server … state drain`),
    // the new worker must not inherit it from the server-state file: nothing of ours would undo it.
    const runtime = new HaproxyRuntime({ admin: haproxy.admin, master: haproxy.master });
    const backend = `be_demo_${appPort}`;
    await runtime.drainServer(backend, `127.0.0.3:${appPort}`);
    await waitUntil(async () => (await sample('demo.app.fluxplane.test', 4)).every((b) => b === '200 127.0.0.2'), { timeoutMs: 5000, intervalMs: 10, what: 'node-b drained by hand' });
    const reloads = await counter('fluxplane_haproxy_reloads_total');
    await register_('third', [appPort]);
    await started('third', 'node-a', '127.0.0.2', [appPort]);
    await waitUntil(async () => (await counter('fluxplane_haproxy_reloads_total')) > reloads, { timeoutMs: 10_000, what: 'reload confirmed' });
    const live = await runtime.serversState(backend);
    expect(live.map((s) => [s.name, s.adminState]).sort()).toEqual([[`127.0.0.2:${appPort}`, 0], [`127.0.0.3:${appPort}`, 0]]);
    await waitUntil(async () => new Set(await sample('demo.app.fluxplane.test', 4)).size === 2, { timeoutMs: 10_000, intervalMs: 20, what: 'node-b serving again' });
  });

  it('keeps a client on one instance with the sticky cookie, runtime-added servers included', async () => {
    const host = 'demo.app.fluxplane.test';
    const seen = new Map<string, string>(); // instance → its cookie
    for (let i = 0; i < 10 && seen.size < 2; i++) {
      const r = await get(haproxy.port, host);
      const cookie = r.setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${STICKY_COOKIE}=`));
      expect(cookie, 'a cookie naming the server on a first request').toBeDefined();
      seen.set(r.body, cookie!);
    }
    expect([...seen.keys()].sort()).toEqual(['127.0.0.2', '127.0.0.3']); // 127.0.0.3 was added at runtime
    for (const [instance, cookie] of seen) {
      const bodies = await Promise.all(Array.from({ length: 6 }, () => get(haproxy.port, host, '/', { cookie })));
      expect(bodies.map((b) => `${b.status} ${b.body}`)).toEqual(Array(6).fill(`200 ${instance}`));
      expect(bodies.every((b) => b.setCookie.length === 0)).toBe(true); // `indirect`: not set again
    }
  });

  it('reports haproxy in /health and reload counters and apply latency in /metrics', async () => {
    const health = await (await fetch(`${base}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', details: { haproxy: { status: 'up' }, nats: { status: 'up' }, postgres: { status: 'up' } } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/fluxplane_haproxy_reloads_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/fluxplane_haproxy_reloads_failed_total/);
    expect(metrics).toMatch(/fluxplane_routes_apply_duration_seconds_count\{[^}]*method="runtime"[^}]*\} [1-9]/);
    const routes = successData(await getReply<{ routes: unknown[] } | null>(`${base}/routes`));
    expect(routes?.routes).toContainEqual({ host: 'other.app.fluxplane.test', servers: [`127.0.0.2:${appPort}`] });
    const histogram = register.getSingleMetric('fluxplane_routes_apply_duration_seconds');
    if (!(histogram instanceof Histogram)) throw new Error('fluxplane_routes_apply_duration_seconds is not a registered histogram');
    const durations = await histogram.get();
    for (const method of ['reload', 'runtime']) {
      const sum = durations.values.find((v) => v.metricName?.endsWith('_sum') && v.labels.method === method)?.value ?? 0;
      const count = durations.values.find((v) => v.metricName?.endsWith('_count') && v.labels.method === method)?.value ?? 0;
      console.log(`[domain-manager] apply latency ${method}: mean ${((sum / Math.max(1, count)) * 1000).toFixed(1)} ms over ${count}`);
    }
  });

  it('adopts the running routes after a restart instead of reloading, and publishes nothing new', async () => {
    const reloads = await counter('fluxplane_haproxy_reloads_total');
    const routingSeq = (await fx.store.last(Subjects.routing(DOMAIN)))!.seq;
    await app!.close();
    app = await startApp();
    const applier = app.get(RouteApplier);
    await waitUntil(() => applier.settled && applier.last !== undefined, { timeoutMs: 10_000, what: 'first apply after restart' });
    expect(applier.last?.method).toBe('none');
    expect(await counter('fluxplane_haproxy_reloads_total')).toBe(reloads);
    expect((await fx.store.last(Subjects.routing(DOMAIN)))!.seq).toBe(routingSeq);
  });

  it('detects a failed reload through show proc (2.6 replies nothing) while the old worker keeps serving', async () => {
    const good = readFileSync(haproxy.config, 'utf8');
    const runtime = new HaproxyRuntime({ admin: haproxy.admin, master: haproxy.master });
    writeFileSync(haproxy.config, `${good}\n    not-a-keyword\n`);
    try {
      await expect(runtime.reload()).rejects.toThrow(ReloadError);
      expect((await get(haproxy.port, 'other.app.fluxplane.test')).body).toBe('127.0.0.2');
    } finally {
      writeFileSync(haproxy.config, good);
    }
    await runtime.reload(); // and a good one clears the failure
    expect((await runtime.proc()).failed).toBe(0);
  });
});
