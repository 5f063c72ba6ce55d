import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, NodeBenchRpc, Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { call } from '@fluxplane/service-kit';
import { startNats, waitUntil, type TestNats } from '@fluxplane/testkit';
import { startBenchmarkAgent, type BenchmarkAgent } from './benchmark-agent';

const FLUXBENCH_FIELDS = ['ipaddress', 'cores', 'ram', 'ssd', 'hdd', 'ddwrite', 'totalstorage', 'disksinfo', 'eps', 'ping', 'download_speed', 'upload_speed',
  'bench_version', 'flux_version', 'architecture', 'thunder', 'real_cores', 'speed', 'status'];

describe('FluxBench on the node (node-agent src/benchmark)', () => {
  let nats: TestNats;
  let store: EventStore;
  let agent: BenchmarkAgent;
  const rpc = async (body: unknown) => {
    const res = await fetch(agent.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { http: res.status, body: await res.json() as { result: Record<string, unknown> | null; error: { code: number; message: string } | null; id: unknown } };
  };

  beforeAll(async () => {
    nats = await startNats();
    store = await EventStore.connect({ servers: nats.url });
    agent = await startBenchmarkAgent({ natsUrl: nats.url, nodeId: 'txnode:0', ip: '127.0.0.31' });
  });
  afterAll(async () => {
    await agent?.close();
    await store?.close();
    await nats?.stop();
  });

  it('is pending until asked, then answers getbenchmarks over JSON-RPC with FluxBench field names and real figures', async () => {
    expect((await rpc({ jsonrpc: '2.0', method: 'getstatus', id: 1 })).body).toEqual({ result: { status: 'online', benchmarking: 'pending', flux: true }, error: null, id: 1 });
    const { http, body } = await rpc({ method: 'getbenchmarks', params: [], id: 'a' });
    expect(http).toBe(200);
    expect(body.error).toBeNull();
    expect(body.id).toBe('a');
    const b = body.result!;
    for (const field of FLUXBENCH_FIELDS) expect(b).toHaveProperty(field);
    expect(b).toMatchObject({ ipaddress: '127.0.0.31', hdd: 0, thunder: false, architecture: 'amd64', bench_version: 'fluxplane-bench/2', ping: null, download_speed: null, upload_speed: null, error: '' });
    // No verdict yet from the bench service: not a tier name, so FluxOS reads it as not passed.
    expect(b.status).toBe('pending');
    expect(b.cores).toBeGreaterThanOrEqual(1);
    expect(b.real_cores).toBeLessThanOrEqual(b.cores as number);
    expect(b.ram).toBeGreaterThan(0.5);
    expect(b.ssd).toBeGreaterThan(1);
    expect(b.totalstorage).toBe(b.ssd);
    expect(b.ddwrite).toBeGreaterThan(0);
    expect(b.eps).toBeGreaterThan(0);
    expect((b.disksinfo as unknown[])).toHaveLength(1);
    expect((await rpc({ method: 'GetStatus', id: 2 })).body.result).toEqual({ status: 'online', benchmarking: 'complete', flux: true });
  });

  it('answers the same over the bus, by node id and by IP, and measures again on refresh', async () => {
    const first = await call(store.nc, NodeBenchRpc.getBenchmarks({ nodeId: 'txnode:0' }), {});
    const byIp = await call(store.nc, NodeBenchRpc.getBenchmarks({ ip: '127.0.0.31' }), {});
    expect(byIp.time).toBe(first.time);
    expect(await call(store.nc, NodeBenchRpc.getStatus({ ip: '127.0.0.31' }), {})).toEqual({ status: 'online', benchmarking: 'complete', flux: true });
    await new Promise((r) => setTimeout(r, 1100)); // `time` is in seconds
    const again = await call(store.nc, NodeBenchRpc.getBenchmarks({ nodeId: 'txnode:0' }), { refresh: true });
    expect(again.time).toBeGreaterThan(first.time);
  });

  it("reports the bench service's verdict as FluxBench's status", async () => {
    const subject = Subjects.node('txnode:0');
    const verdict = (passed: boolean) => makeEvent('NodeBenchmarked', subject, {
      nodeId: 'txnode:0', passed, tier: passed ? 'CUMULUS' : null, cores: 2, ramMb: 8000, eps: 1, diskWriteMbps: 1, benchVersion: 'test',
      ...(passed ? {} : { reason: 'below NIMBUS minimums: cores 2 < 4' }),
    });
    await store.append(subject, [verdict(true)], 'any');
    await waitUntil(async () => (await rpc({ method: 'getbenchmarks', id: 3 })).body.result?.status === 'CUMULUS', { what: 'CUMULUS status', timeoutMs: 10_000 });
    await store.append(subject, [verdict(false)], 'any');
    const failed = await waitUntil(async () => { const r = (await rpc({ method: 'getbenchmarks', id: 4 })).body.result; return r?.status === 'failed' && r; }, { what: 'failed status', timeoutMs: 10_000 });
    expect(failed.error).toBe('below NIMBUS minimums: cores 2 < 4');
  });

  it('answers JSON-RPC errors as fluxbenchd does', async () => {
    expect((await rpc({ method: 'nosuchmethod', id: 5 })).body).toEqual({ result: null, error: { code: -32601, message: 'Method not found: nosuchmethod' }, id: 5 });
    expect((await rpc('{not json')).body).toMatchObject({ result: null, error: { code: -32700 } });
    expect((await rpc({ params: [] })).body.error).toMatchObject({ code: -32600, message: expect.stringContaining('method') });
    expect((await fetch(agent.rpcUrl)).status).toBe(405);
  });
});
