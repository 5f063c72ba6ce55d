import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeEvent, NodeStat, Rpc, StatsHistory, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { call, createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import { errorData, eventStoreFixture, freePort, getReply, readReply, successData, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { StatsConfig } from '../../stats/src/config';
import { StatsModule } from '../../stats/src/app.module';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';

const INTERVAL_MS = 250;
const H = 'b'.repeat(64);

/*
 * Two STRATUS nodes and an app of one instance: placed on s1, started, then s1 goes down and the
 * instance moves to s2. What the history says through the gateway must be what these events imply.
 */
const network = (): DomainEvent[] => {
  const spec = { name: 'histapp', instances: 1 };
  const placed = (nodeId: string) => makeEvent('InstanceScheduled', Subjects.placement('histapp'), {
    app: 'histapp', nodeId, nodeIp: '127.0.0.1', specHash: H, reason: 'test',
    components: [{ name: 'web', image: 'img', ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 1, ramMb: 1000, hddGb: 10 }],
  });
  const started = (nodeId: string) => makeEvent('InstanceStarted', Subjects.instance('histapp', nodeId), { app: 'histapp', nodeId, ip: '127.0.0.1', specHash: H, ports: [], containers: [] });
  return [
    ...['s1', 's2'].map((nodeId, i) => makeEvent('NodeRegistered', Subjects.chain(), { nodeId, ip: `127.0.0.${41 + i}`, tier: 'STRATUS', collateralSat: 40_000e8, txid: `ts${i}`, height: i + 1 })),
    ...['s1', 's2'].map((nodeId, i) => makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
      nodeId, passed: true, tier: 'STRATUS', cores: 8, ramMb: 64_000, eps: 2000, diskWriteMbps: 500, benchVersion: 'b9', fluxVersion: 'f9',
      geolocation: { continent: 'EU', country: i === 0 ? 'CZ' : 'FI', region: 'R' },
    })),
    makeEvent('AppRegistered', Subjects.app('histapp'), {
      name: 'histapp', hash: H, owner: 'o', spec, runtime: runtimeView(spec), txid: 'tx', height: 3, expireBlocks: 22000, expiresAtHeight: 22003, timestamp: 1, signature: 's', amountSat: 1,
    }),
    placed('s1'), started('s1'),
    makeEvent('NodeWentDown', Subjects.node('s1'), { nodeId: 's1', lastSeen: new Date().toISOString() }),
    makeEvent('InstanceUnscheduled', Subjects.placement('histapp'), { app: 'histapp', nodeId: 's1', reason: 'node down' }),
    placed('s2'), started('s2'),
  ];
};

describe('stats routes through the gateway', () => {
  let fx: EventStoreWithDatabaseFixture;
  let base: string;
  let stats: NestFastifyApplication;
  const t0 = Date.now();

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'gwstats' });
    const silent = createLogger('test', 'silent');
    const scfg = loadConfig(StatsConfig, { NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, HTTP_PORT: String(await freePort()), LOG_LEVEL: 'silent', STATS_SAMPLE_INTERVAL_MS: String(INTERVAL_MS) });
    stats = fx.own(await startService({ module: StatsModule.forRoot(scfg, silent), config: scfg, logger: silent }));
    const port = await freePort();
    const gcfg = loadConfig(GatewayConfig, { NATS_URL: fx.nats.url, LOG_LEVEL: 'silent', HTTP_PORT: String(port), RATE_LIMIT_PER_MINUTE: '100000' });
    fx.own(await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, configure: (a) => configureHttp(a, gcfg) }));
    base = `http://127.0.0.1:${port}`;
    // Events from the first sample on count in the history.
    await waitUntil(async () => successData(await getReply(`${base}/stats/history`, StatsHistory)).samples.length > 0, { what: 'a first sample', timeoutMs: 10_000 });
    for (const e of network()) await fx.store.append(e.subject, [e], 'any');
    await stats.get(ProjectionHost).catchUp();
    const caught = Date.now();
    await waitUntil(async () => successData(await getReply(`${base}/stats/history?from=${caught}`, StatsHistory)).samples.length > 0, { what: 'a sample after the events', timeoutMs: 10_000 });
  });
  afterAll(() => fx?.close());

  it('/stats/history answers the samples with the figures and activity the events imply', async () => {
    const res = await fetch(`${base}/stats/history?from=${t0}`);
    expect(res.headers.get('cache-control')).toMatch(/^max-age=\d+$/);
    const etag = res.headers.get('etag')!;
    const history = successData((await readReply(res, StatsHistory)).body);
    expect(history.intervalS).toBe(INTERVAL_MS / 1000);
    const last = history.samples.at(-1)!;
    expect(last.nodes).toMatchObject({ total: 2, up: 1, down: 1, byTier: { CUMULUS: 0, NIMBUS: 0, STRATUS: 2 }, byVersion: { f9: 2 }, byCountry: { CZ: 1, FI: 1 }, byBenchmark: { STRATUS: 2 } });
    expect(last.apps).toEqual({ total: 1 });
    expect(last.instances).toEqual({ running: 1, scheduled: 0, failed: 0, stopped: 0 });
    // STRATUS gives apps 15 cores, 59000 MB, 820 GB per node; only s2 is up, and holds the instance.
    expect(last.resources.STRATUS).toEqual({ cpu: { used: 1, free: 14 }, ramMb: { used: 1000, free: 58000 }, hddGb: { used: 10, free: 810 } });
    const total = (k: keyof typeof last.activity) => history.samples.reduce((a, s) => a + s.activity[k], 0);
    expect([total('started'), total('failed'), total('moved'), total('masterChanges')]).toEqual([2, 0, 1, 0]);

    // The same bytes as the stats service's answer for the same range, and 304 for the same ETag.
    const to = last.at;
    const direct = await call(fx.store.nc, Rpc.statsHistory, { from: t0, to });
    expect(await (await fetch(`${base}/stats/history?from=${t0}&to=${to}`)).text()).toBe(JSON.stringify({ status: 'success', data: direct }));
    const fixed = await fetch(`${base}/stats/history?from=${t0}&to=${to}`);
    expect((await fetch(`${base}/stats/history?from=${t0}&to=${to}`, { headers: { 'if-none-match': fixed.headers.get('etag')! } })).status).toBe(304);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it.each([
    ['from=yesterday', 'query.from'],
    ['to=-5', 'query.to'],
    ['from=10&to=5', 'query.from'],
    ['maxSamples=0', 'query.maxSamples'],
    ['maxSamples=100000', 'query.maxSamples'],
  ])('/stats/history?%s is a 400 naming %s', async (query, name) => {
    const err = errorData(await getReply(`${base}/stats/history?${query}`));
    expect(err.code).toBe(400);
    expect(err.message).toContain(name);
  });

  it("answers fluxstats' routes from the samples and the node list, cached like the other read routes", async () => {
    const fluxHistory = successData(await getReply(`${base}/fluxhistorystats`, z.record(z.string(), z.object({ cumulus: z.number(), nimbus: z.number(), stratus: z.number() }))));
    const latest = Object.entries(fluxHistory).at(-1)!;
    expect(latest[1]).toEqual({ cumulus: 0, nimbus: 0, stratus: 2 });
    expect(Number(latest[0]) % INTERVAL_MS).toBe(0);

    const times = successData(await getReply(`${base}/availabletimes`, z.array(z.number())));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times).toContain(Number(latest[0]));

    const info = successData(await getReply(`${base}/fluxinfo`, z.array(NodeStat)));
    expect(info.map((n) => [n.nodeId, n.tier, n.up, n.benchmark.status, n.instances])).toEqual([['s1', 'STRATUS', false, 'STRATUS', 0], ['s2', 'STRATUS', true, 'STRATUS', 1]]);
    expect(successData(await getReply(`${base}/fluxinfo/geo`))).toEqual([
      { ip: '127.0.0.41', geolocation: { continentCode: 'EU', countryCode: 'CZ', regionName: 'R' } },
      { ip: '127.0.0.42', geolocation: { continentCode: 'EU', countryCode: 'FI', regionName: 'R' } },
    ]);
    expect(errorData(await getReply(`${base}/fluxinfo/ip,password`)).message).toContain('password');
    expect(successData(await getReply(`${base}/fluxversions`))).toEqual([
      { ip: '127.0.0.41', daemon: null, benchmark: 'b9', flux: 'f9' }, { ip: '127.0.0.42', daemon: null, benchmark: 'b9', flux: 'f9' },
    ]);
    for (const path of ['/fluxlocations', '/fluxlocationsnow']) {
      expect(successData(await getReply(`${base}${path}`))).toEqual([
        { ip: '127.0.0.41', continentCode: 'EU', countryCode: 'CZ', regionName: 'R' }, { ip: '127.0.0.42', continentCode: 'EU', countryCode: 'FI', regionName: 'R' },
      ]);
    }

    for (const path of ['/fluxhistorystats', '/availabletimes', '/fluxinfo', '/fluxinfo/geo', '/fluxversions', '/fluxlocations']) {
      const res = await fetch(`${base}${path}`);
      expect(res.headers.get('cache-control'), path).toBe('max-age=30');
      const etag = res.headers.get('etag')!;
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]+"$/);
      await res.arrayBuffer();
      // A new sample may land in between (the history routes change with it): 304 or the new answer.
      const again = await fetch(`${base}${path}`, { headers: { 'if-none-match': etag } });
      expect([304, 200], path).toContain(again.status);
      if (again.status === 200) expect(again.headers.get('etag'), path).not.toBe(etag);
    }
  });
});
