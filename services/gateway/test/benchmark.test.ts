import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { freePort, startNats, type TestNats } from '@fluxplane/testkit';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';
import { startBenchmarkAgent, type BenchmarkAgent } from '../../node-agent/test/benchmark-agent';

/** `/benchmark/*` through the running gateway, answered by a node-agent's FluxBench over a real NATS. */
describe('gateway /benchmark/*', () => {
  let nats: TestNats;
  let gateway: NestFastifyApplication;
  let agent: BenchmarkAgent;
  let base: string;
  const get = async (path: string) => { const r = await fetch(`${base}${path}`); return { http: r.status, body: await r.json() as { status: string; data: Record<string, unknown> } }; };

  beforeAll(async () => {
    nats = await startNats();
    const silent = createLogger('test', 'silent');
    const port = await freePort();
    const gcfg = loadConfig(GatewayConfig, { HTTP_PORT: String(port), NATS_URL: nats.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000' });
    gateway = await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, bodyLimitBytes: gcfg.BODY_LIMIT_BYTES, configure: (a) => configureHttp(a, gcfg) });
    base = `http://127.0.0.1:${port}`;
    agent = await startBenchmarkAgent({ natsUrl: nats.url, nodeId: 'abc123:0', ip: '127.0.0.51' });
  });
  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
    await nats?.stop();
  });

  it("answers /benchmark/getbenchmarks for a node chosen by id or IP, in FluxOS's envelope", async () => {
    const byId = await get('/benchmark/getbenchmarks?node=abc123:0');
    expect(byId.http).toBe(200);
    expect(byId.body.status).toBe('success');
    expect(byId.body.data).toMatchObject({ ipaddress: '127.0.0.51', status: 'pending', bench_version: 'fluxplane-bench/2', thunder: false });
    expect(byId.body.data.eps).toBeGreaterThan(0);
    const byIp = await get('/benchmark/getbenchmarks?node=127.0.0.51:16127');
    expect(byIp.body).toEqual(byId.body); // the same measurement: no refresh through the gateway
  });

  it('answers /benchmark/getstatus', async () => {
    expect((await get('/benchmark/getstatus?node=127.0.0.51')).body).toEqual({ status: 'success', data: { status: 'online', benchmarking: 'complete', flux: true } });
  });

  it('names a missing node parameter, and a node nobody answers for', async () => {
    expect((await get('/benchmark/getbenchmarks')).body).toEqual({ status: 'error', data: { code: 400, name: 'BadRequest', message: 'query.node: is required (a node id or the IPv4 address of a node)' } });
    const unknown = await get('/benchmark/getstatus?node=127.0.0.99');
    expect(unknown.http).toBe(503);
    expect(unknown.body).toEqual({ status: 'error', data: { code: 503, name: 'NodeUnavailable', message: 'no FluxBench answers for the node at 127.0.0.99: the node is unknown or its agent is down' } });
    expect((await get('/benchmark/getbenchmarks?node=nosuch:1')).body.data).toMatchObject({ name: 'NodeUnavailable', message: expect.stringContaining('node nosuch:1') });
  });

  it('declares both routes with their answers in the OpenAPI document', async () => {
    const doc = await (await fetch(`${base}/docs/json`)).json() as { paths: Record<string, { get: { parameters: Array<{ name: string; in: string; required: boolean }>; responses: Record<string, { content: Record<string, { schema: { oneOf?: Array<{ properties: { data: { properties?: Record<string, unknown> } } }> } }> }> } }> };
    for (const path of ['/benchmark/getbenchmarks', '/benchmark/getstatus']) {
      expect(doc.paths[path]!.get.parameters).toContainEqual(expect.objectContaining({ name: 'node', in: 'query', required: true }));
    }
    const data = doc.paths['/benchmark/getbenchmarks']!.get.responses['200']!.content['application/json']!.schema.oneOf![0]!.properties.data.properties!;
    for (const field of ['ipaddress', 'cores', 'ram', 'ssd', 'hdd', 'ddwrite', 'totalstorage', 'disksinfo', 'eps', 'ping', 'download_speed', 'upload_speed', 'bench_version', 'flux_version', 'architecture', 'thunder', 'real_cores', 'speed', 'status']) {
      expect(data).toHaveProperty(field);
    }
  });
});
