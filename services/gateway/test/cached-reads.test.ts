import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { request as undiciRequest } from 'undici';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Rpc, Signals, Subjects, type EventOf } from '@fluxplane/contracts';
import { addressFromPrivateKey, buildAppMessage, exampleSpec, formatSpec, randomPrivateKey, runtimeView } from '@fluxplane/flux-spec';
import { call, createLogger, loadConfig, startService, type BaseConfig, type Logger } from '@fluxplane/service-kit';
import { eventStoreFixture, freePort, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import type { DynamicModule } from '@nestjs/common';
import type { z } from 'zod';
import { RegistryConfig } from '../../app-registry/src/config';
import { AppRegistryModule } from '../../app-registry/src/app.module';
import { SchedulerConfig } from '../../scheduler/src/config';
import { SchedulerModule } from '../../scheduler/src/app.module';
import { StatsConfig } from '../../stats/src/config';
import { StatsModule } from '../../stats/src/app.module';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';
import { GZIP_MIN_BYTES } from '../src/snapshots/cached-view';

type Listed = { name: string; hash: string };

/**
 * The gateway's cached read routes, read as Flux's domain manager (FDM) reads them, against the
 * real registry, scheduler and stats services fed by events: `Cache-Control: max-age=N` (FDM's
 * parser requires `^max-age=\d+$`), a strong ETag, HEAD with `If-None-Match` → 304; answers that
 * change once their read model changes (a new app, an instance started), byte for byte what the
 * owning service answers on the bus.
 */
describe('cached read routes (as FDM reads them)', () => {
  let fx: EventStoreWithDatabaseFixture;
  let base: string;
  let heartbeats: NodeJS.Timeout | undefined;
  const nodes = ['c1', 'c2', 'c3'].map((id, i) => ({ id, ip: `127.0.0.${31 + i}` }));
  const owner = randomPrivateKey();

  async function start<S extends z.ZodType<BaseConfig>>(schema: S, module: (c: z.infer<S>, l: Logger) => DynamicModule, env: Record<string, string> = {}): Promise<NestFastifyApplication> {
    const silent = createLogger('test', 'silent');
    const config = loadConfig(schema, { NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, HTTP_PORT: String(await freePort()), LOG_LEVEL: 'silent', ...env });
    return fx.own(await startService({ module: module(config, silent), config, logger: silent }));
  }

  /** A registered app: its accepted message (so it is a permanent message too) and its registration. */
  async function register(name: string, height: number) {
    const spec = formatSpec({ ...exampleSpec(8), name, owner: addressFromPrivateKey(owner), instances: 3 }) as unknown as Record<string, unknown>;
    const message = buildAppMessage('fluxappregister', spec, owner);
    const subject = Subjects.app(name);
    const now = new Date();
    await fx.store.append(subject, [
      makeEvent('AppMessageAccepted', subject, { name, owner: addressFromPrivateKey(owner), message, receivedAt: now.toISOString(), validUntil: new Date(now.getTime() + 3_600_000).toISOString() }),
      makeEvent('AppRegistered', subject, {
        name, hash: message.hash, owner: addressFromPrivateKey(owner), spec, runtime: runtimeView(spec), txid: `tx${name}`, height,
        expireBlocks: 22_000, expiresAtHeight: height + 22_000, timestamp: message.timestamp, signature: message.signature, amountSat: 1,
      }),
    ], 'any');
    return message.hash;
  }

  const head = (path: string, etag?: string) => fetch(`${base}${path}`, { method: 'HEAD', headers: etag ? { 'if-none-match': etag } : {} });
  const get = (path: string, etag?: string) => fetch(`${base}${path}`, { headers: etag ? { 'if-none-match': etag } : {} });

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'gwcache' });
    for (const [i, n] of nodes.entries()) {
      await fx.store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: n.id, ip: n.ip, tier: 'STRATUS', collateralSat: 40_000e8, txid: `txn${i}`, height: i + 1 })], 'any');
      await fx.store.append(Subjects.node(n.id), [makeEvent('NodeBenchmarked', Subjects.node(n.id), { nodeId: n.id, passed: true, tier: 'STRATUS', cores: 8, ramMb: 64_000, eps: 2000, diskWriteMbps: 500, benchVersion: 'test' })], 'any');
    }
    // The nodes' agents: alive.
    const beat = () => { for (const n of nodes) fx.store.nc.publish(Signals.heartbeat(n.id), JSON.stringify({ nodeId: n.id, ip: n.ip, at: new Date().toISOString() })); };
    beat();
    heartbeats = setInterval(beat, 200);
    await start(RegistryConfig, (c, l) => AppRegistryModule.forRoot(c, l));
    await start(SchedulerConfig, (c, l) => SchedulerModule.forRoot(c, l), { SCHEDULER_RECONCILE_INTERVAL_MS: '300' });
    await start(StatsConfig, (c, l) => StatsModule.forRoot(c, l));
    const port = await freePort();
    const silent = createLogger('test', 'silent');
    const gcfg = loadConfig(GatewayConfig, { NATS_URL: fx.nats.url, LOG_LEVEL: 'silent', HTTP_PORT: String(port), RATE_LIMIT_PER_MINUTE: '100000' });
    fx.own(await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, configure: (a) => configureHttp(a, gcfg) }));
    base = `http://127.0.0.1:${port}`;
    await register('cachedone', 10);
    await waitUntil(async () => {
      const [specs, stats] = await Promise.all([get('/apps/globalappsspecifications'), get('/stats')]);
      return (await specs.text()).includes('"cachedone"') && (JSON.parse(await stats.text()) as { data: { apps: { total: number } } }).data.apps.total === 1;
    }, { what: 'cachedone registered', timeoutMs: 10_000 });
  });
  afterAll(async () => {
    if (heartbeats) clearInterval(heartbeats);
    await fx?.close();
  });

  const routes = [
    { path: '/apps/globalappsspecifications', maxAge: 30 },
    { path: '/apps/locations', maxAge: 30 },
    { path: '/apps/location/cachedone', maxAge: 30 },
    { path: '/apps/permanentmessages', maxAge: 120 },
    { path: '/stats', maxAge: 30 },
  ];

  it.each(routes)('$path: Cache-Control max-age, a strong ETag, and 304 for a HEAD or GET naming it', async ({ path, maxAge }) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^max-age=\d+$/);
    expect(res.headers.get('cache-control')).toBe(`max-age=${maxAge}`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const body = await res.text();

    // FDM: a HEAD first, with the ETag it holds.
    const h = await head(path);
    expect(h.status).toBe(200);
    expect(h.headers.get('etag')).toBe(etag);
    expect(h.headers.get('cache-control')).toBe(`max-age=${maxAge}`);
    expect(await h.text()).toBe('');
    const hNotModified = await head(path, etag);
    expect(hNotModified.status).toBe(304);
    expect(hNotModified.headers.get('etag')).toBe(etag);
    expect(hNotModified.headers.get('cache-control')).toMatch(/^max-age=\d+$/);
    const gNotModified = await get(path, `W/"other", ${etag}`);
    expect(gNotModified.status).toBe(304);
    expect(await gNotModified.text()).toBe('');
    const stale = await get(path, '"not-the-etag"');
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(body);
  });

  it('answers byte for byte what the owning services answer on the bus', async () => {
    const envelope = (data: unknown) => JSON.stringify({ status: 'success', data });
    await waitUntil(async () => (await (await get('/apps/globalappsspecifications')).text()) === envelope(await call(fx.store.nc, Rpc.appSpecs, {})), { what: 'specs as the registry answers them' });
    expect(await (await get('/apps/permanentmessages')).text()).toBe(envelope(await call(fx.store.nc, Rpc.appMessages, { state: 'permanent' })));
    expect(await (await get('/stats')).text()).toBe(envelope(await call(fx.store.nc, Rpc.statsSummary, {})));
    // The snapshots read whole lists page by page (one answer at Flux's scale exceeds NATS's max payload).
    const all = await call(fx.store.nc, Rpc.appSpecs, {});
    expect(all.length).toBeGreaterThan(0);
    expect([...await call(fx.store.nc, Rpc.appSpecs, { offset: 0, limit: 1 }), ...await call(fx.store.nc, Rpc.appSpecs, { offset: 1, limit: 500 })]).toEqual(all);
    // Filtered routes are asked of the registry; they carry the same headers.
    const filtered = await get('/apps/globalappsspecifications?appname=CachedOne');
    expect(filtered.headers.get('cache-control')).toBe('max-age=30');
    expect(await filtered.text()).toBe(envelope(await call(fx.store.nc, Rpc.appSpecs, { name: 'CachedOne' })));
    // Locations carry the time of the answer: compare without it.
    const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ broadcastedAt: _b, expireAt: _e, ...r }) => r);
    const locations = JSON.parse(await (await get('/apps/locations')).text()) as { status: string; data: Array<Record<string, unknown>> };
    expect(locations.status).toBe('success');
    expect(strip(locations.data)).toEqual(strip(await call(fx.store.nc, Rpc.appLocations, {})));
  });

  it('keeps the ETag while nothing changes, and changes it (with the body) once the read model does', async () => {
    const specs1 = await get('/apps/globalappsspecifications');
    const etag1 = specs1.headers.get('etag')!;
    const loc1 = (await get('/apps/location/cachedone')).headers.get('etag')!;
    const stats1 = (await get('/stats')).headers.get('etag')!;
    expect((await get('/apps/globalappsspecifications')).headers.get('etag')).toBe(etag1);

    const hash = await register('cachedtwo', 11);
    const etag2 = await waitUntil(async () => {
      const r = await head('/apps/globalappsspecifications', etag1);
      return r.status === 200 ? r.headers.get('etag') : undefined;
    }, { what: 'specs ETag changed after a registration', timeoutMs: 10_000 });
    expect(etag2).not.toBe(etag1);
    const listed = JSON.parse(await (await get('/apps/globalappsspecifications', etag1)).text()) as { data: Listed[] };
    expect(listed.data.map((a) => [a.name, a.hash])).toContainEqual(['cachedtwo', hash]);
    await waitUntil(async () => (await head('/stats', stats1)).status === 200, { what: 'stats changed', timeoutMs: 10_000 });

    // The scheduler places the new app; its agents report the instances started: its locations change,
    // the first app's do not.
    const scheduled = await waitUntil(async () => {
      const events = (await fx.store.readStream(Subjects.placement('cachedtwo'))).events.map((e) => e.event).filter((e): e is EventOf<'InstanceScheduled'> => e.type === 'InstanceScheduled');
      return events.length === 3 ? events : undefined;
    }, { what: 'cachedtwo placed', timeoutMs: 15_000 });
    const before = await get('/apps/location/cachedtwo');
    expect(JSON.parse(await before.text())).toEqual({ status: 'success', data: [] });
    for (const s of scheduled) {
      const subject = Subjects.instance('cachedtwo', s.data.nodeId);
      await fx.store.append(subject, [makeEvent('InstanceStarted', subject, { app: 'cachedtwo', nodeId: s.data.nodeId, ip: s.data.nodeIp, specHash: s.data.specHash, ports: [], containers: [] })], 'any');
    }
    const rows = await waitUntil(async () => {
      const r = JSON.parse(await (await get('/apps/location/cachedtwo')).text()) as { data: Array<{ name: string; ip: string }> };
      return r.data.length === 3 ? r.data : undefined;
    }, { what: 'cachedtwo located', timeoutMs: 10_000 });
    expect(rows.map((r) => r.ip).sort()).toEqual(scheduled.map((s) => s.data.nodeIp).sort());
    expect((await get('/apps/location/CachedTwo')).headers.get('etag')).toBe((await get('/apps/location/cachedtwo')).headers.get('etag'));
    expect((await head('/apps/location/cachedone', loc1)).status).toBe(304);
  });

  it('answers an unknown app with an empty list, and a missing name with a Flux error', async () => {
    expect(JSON.parse(await (await get('/apps/location/nosuchapp')).text())).toEqual({ status: 'success', data: [] });
    expect(JSON.parse(await (await get('/apps/location')).text())).toMatchObject({ status: 'error', data: { code: 400 } });
  });

  it('sends a long answer gzipped to a client that accepts it, under its own ETag, and 304 for either tag', async () => {
    for (const [i, name] of ['cachedgza', 'cachedgzb', 'cachedgzc'].entries()) await register(name, 20 + i);
    const raw = (headers: Record<string, string>) => undiciRequest(`${base}/apps/globalappsspecifications`, { headers });
    await waitUntil(async () => (await (await get('/apps/globalappsspecifications')).json() as { data: unknown[] }).data.length >= 4, { what: 'four registered apps' });
    const plain = await raw({ 'accept-encoding': 'identity' });
    const identityBody = Buffer.from(await plain.body.arrayBuffer());
    expect(identityBody.length).toBeGreaterThanOrEqual(GZIP_MIN_BYTES);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('accept-encoding');

    const zipped = await raw({ 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['cache-control']).toBe('max-age=30');
    const zippedBody = Buffer.from(await zipped.body.arrayBuffer());
    expect(zippedBody.length).toBeLessThan(identityBody.length);
    expect(gunzipSync(zippedBody).equals(identityBody)).toBe(true);
    const [identityTag, gzipTag] = [plain.headers.etag as string, zipped.headers.etag as string];
    expect(gzipTag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(gzipTag).not.toBe(identityTag);
    // Either tag names the same data: a client holding one gets 304 whatever it accepts now.
    for (const [tag, enc] of [[gzipTag, 'gzip'], [identityTag, 'gzip'], [gzipTag, 'identity']] as const) {
      const res = await raw({ 'accept-encoding': enc, 'if-none-match': tag });
      expect(res.statusCode).toBe(304);
      await res.body.dump();
    }
    // A short answer is sent as it is.
    const stats = await undiciRequest(`${base}/stats`, { headers: { 'accept-encoding': 'gzip' } });
    expect(stats.headers['content-encoding']).toBeUndefined();
    await stats.body.dump();
  });
});
