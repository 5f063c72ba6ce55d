import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Subjects, type EventOf, type Tier } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { sleep, startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { BenchConfig } from '../src/config';
import { BenchModule } from '../src/app.module';
import type { NodeBenchState } from '../src/bench.service';
import { startBenchmarkAgent, type BenchmarkAgent } from '../../node-agent/test/benchmark-agent';

/**
 * The bench service against a real NATS and Postgres, asking real node-agent benchmark modules (one
 * per node, each on its own loopback address) over the bus.
 */
describe('bench service', () => {
  let svc: ServiceUnderTest<BenchConfig>;
  let store: EventStore;
  const agents: BenchmarkAgent[] = [];
  const agent = async (nodeId: string, ip: string) => {
    const a = await startBenchmarkAgent({ natsUrl: svc.nats.url, nodeId, ip });
    agents.push(a);
    return a;
  };

  const register = (nodeId: string, tier: Tier, ip: string) =>
    store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId, ip, tier, collateralSat: 1000e8, txid: `tx-${nodeId}`, height: 1 })], 'any');
  const benchmarks = async (nodeId: string) =>
    (await store.readStream(Subjects.node(nodeId))).events.map((e) => e.event).filter((e): e is EventOf<'NodeBenchmarked'> => e.type === 'NodeBenchmarked');
  const benchmarked = (nodeId: string, count = 1) =>
    waitUntil(async () => { const r = await benchmarks(nodeId); return r.length >= count && r; }, { timeoutMs: 20_000, what: `${count} NodeBenchmarked of ${nodeId}` });
  const states = async () => ((await (await fetch(`${svc.base}/benchmarks`)).json()) as { nodes: NodeBenchState[] }).nodes;

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'bench', configSchema: BenchConfig, module: (c, l) => BenchModule.forRoot(c, l),
      env: {
        BENCH_PROFILE: 'devnet', BENCH_SWEEP_INTERVAL_MS: '200', BENCH_RETRY_FAILED_MS: '2500', BENCH_INTERVAL_MS: '6000',
        BENCH_RETRY_MIN_MS: '300', BENCH_RETRY_MAX_MS: '1200', BENCH_NODE_TIMEOUT_MS: '10000',
      },
    });
    store = svc.store;
  });
  afterAll(async () => {
    for (const a of agents) await a.close().catch(() => undefined);
    await svc?.close();
  });

  it("benchmarks a newly registered node with the node's own measurement, once per interval", async () => {
    await agent('node-a', '127.0.0.41');
    await register('node-a', 'CUMULUS', '127.0.0.41');
    const [b] = await benchmarked('node-a');
    // This machine (2 cores, ~24 GB, a real disk) passes as CUMULUS with the devnet profile.
    expect(b!.data).toMatchObject({ nodeId: 'node-a', passed: true, tier: 'CUMULUS', benchVersion: 'fluxplane-bench/2', architecture: 'amd64' });
    expect(b!.data.cores).toBeGreaterThanOrEqual(2);
    expect(b!.data.ramMb).toBeGreaterThan(1000);
    expect(b!.data.eps).toBeGreaterThan(0);
    expect(b!.data.diskWriteMbps).toBeGreaterThan(0);
    expect(b!.data.storageGb).toBeGreaterThan(1);
    expect(Date.parse(b!.data.measuredAt!)).toBeGreaterThan(Date.now() - 20_000);
    expect(b!.causationId).toBeDefined();
    await sleep(800); // several sweeps later: still one benchmark
    expect(await benchmarks('node-a')).toHaveLength(1);
    expect((await states()).find((s) => s.nodeId === 'node-a')).toMatchObject({ state: 'passed', unreachable: null });
  });

  it('fails a node registered for more than its machine has, and benchmarks it again after the retry delay', async () => {
    await agent('node-s', '127.0.0.42');
    await register('node-s', 'STRATUS', '127.0.0.42');
    const [b] = await benchmarked('node-s');
    expect(b!.data).toMatchObject({ passed: false, tier: 'CUMULUS' });
    expect(b!.data.reason).toMatch(/^below STRATUS minimums: cores \d+ < 8/);
    await sleep(1000);
    expect(await benchmarks('node-s')).toHaveLength(1); // not before the retry delay
    const again = await benchmarked('node-s', 2);
    expect(again[1]!.data.passed).toBe(false);
    expect(Date.parse(again[1]!.data.measuredAt!)).toBeGreaterThan(Date.parse(b!.data.measuredAt!));
  });

  it('leaves a node whose agent does not answer unbenchmarked, says so, retries with backoff, and benchmarks it once it answers', async () => {
    await register('node-u', 'CUMULUS', '127.0.0.43');
    const miss = await waitUntil(async () => { const s = (await states()).find((n) => n.nodeId === 'node-u'); return (s?.unreachable?.misses ?? 0) >= 3 && s; }, { timeoutMs: 15_000, what: 'three misses' });
    expect(miss).toMatchObject({ state: 'unbenchmarked', unreachable: { lastError: expect.stringMatching(/^did not answer: /) } });
    expect(await benchmarks('node-u')).toHaveLength(0);
    const metrics = await (await fetch(`${svc.base}/metrics`)).text();
    expect(metrics).toMatch(/fluxplane_bench_nodes\{state="unreachable"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/fluxplane_bench_node_asks_total\{outcome="unreachable"[^}]*\} [1-9]/);
    await agent('node-u', '127.0.0.43');
    const [b] = await benchmarked('node-u');
    expect(b!.data).toMatchObject({ passed: true }); // on failure, the message shows the reason
    // The states come from the read model, which follows the node's stream a moment later.
    const state = await waitUntil(async () => {
      const s = (await states()).find((n) => n.nodeId === 'node-u');
      return s?.state !== 'unbenchmarked' && s;
    }, { timeoutMs: 10_000, what: 'node-u benchmarked in the read model' });
    expect(state).toMatchObject({ state: 'passed', unreachable: null });
  });

  it('benchmarks a passed node again once BENCH_INTERVAL_MS has passed', async () => {
    const [first] = await benchmarks('node-a');
    const again = await benchmarked('node-a', 2);
    expect(Date.parse(again[1]!.time) - Date.parse(first!.time)).toBeGreaterThanOrEqual(6000);
    expect(again[1]!.data.passed).toBe(true);
  });

  it('does not benchmark a node that already has a fresh benchmark on its stream', async () => {
    await store.append(Subjects.node('node-x'), [makeEvent('NodeBenchmarked', Subjects.node('node-x'), { nodeId: 'node-x', passed: true, tier: 'NIMBUS', cores: 8, ramMb: 32000, eps: 1, diskWriteMbps: 1, benchVersion: 'elsewhere' })], 'any');
    await agent('node-x', '127.0.0.44');
    await agent('node-y', '127.0.0.45');
    await register('node-x', 'NIMBUS', '127.0.0.44');
    await register('node-y', 'CUMULUS', '127.0.0.45'); // processed after node-x: once it is done, node-x was considered
    await benchmarked('node-y');
    expect((await benchmarks('node-x')).map((b) => b.data.benchVersion)).toEqual(['elsewhere']);
  });
});
