import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Subjects, type EventOf, type Tier } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { sleep, startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { BenchConfig } from '../src/config';
import { BenchModule } from '../src/app.module';

describe('bench service', () => {
  let svc: ServiceUnderTest<BenchConfig>;
  let store: EventStore;

  const register = (nodeId: string, tier: Tier) =>
    store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId, ip: '127.0.0.11', tier, collateralSat: 1000e8, txid: `tx-${nodeId}`, height: 1 })], 'any');
  const benchmarks = async (nodeId: string) =>
    (await store.readStream(Subjects.node(nodeId))).events.map((e) => e.event).filter((e): e is EventOf<'NodeBenchmarked'> => e.type === 'NodeBenchmarked');

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'bench', configSchema: BenchConfig, module: (c, l) => BenchModule.forRoot(c, l),
      env: { BENCH_SWEEP_INTERVAL_MS: '200', BENCH_RETRY_FAILED_MS: '1500' },
    });
    store = svc.store;
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('benchmarks a newly registered node with a real measurement, once', async () => {
    const { revision } = await register('node-a', 'CUMULUS');
    const [b] = await waitUntil(async () => { const r = await benchmarks('node-a'); return r.length > 0 && r; }, { timeoutMs: 15_000, what: 'NodeBenchmarked' });
    // This machine (≥2 cores) passes as CUMULUS with the dev thresholds.
    expect(b!.data).toMatchObject({ nodeId: 'node-a', passed: true, tier: 'CUMULUS', benchVersion: 'fluxplane-bench/1' });
    expect(b!.data.cores).toBeGreaterThanOrEqual(2);
    expect(b!.data.ramMb).toBeGreaterThan(1000);
    expect(b!.data.eps).toBeGreaterThan(0);
    expect(b!.data.diskWriteMbps).toBeGreaterThan(0);
    expect(b!.causationId).toBeDefined();
    expect(revision).toBeGreaterThan(0);
    await sleep(800); // several sweeps later: still one benchmark
    expect(await benchmarks('node-a')).toHaveLength(1);
  });

  it('fails a node registered for more than the machine has, and measures it again later', async () => {
    await register('node-s', 'STRATUS');
    const [b] = await waitUntil(async () => { const r = await benchmarks('node-s'); return r.length > 0 && r; }, { timeoutMs: 15_000, what: 'NodeBenchmarked' });
    expect(b!.data.passed).toBe(false);
    expect(b!.data.reason).toMatch(/^below STRATUS minimums: /);
    await sleep(700);
    expect(await benchmarks('node-s')).toHaveLength(1); // not before the retry delay
    const again = await waitUntil(async () => { const r = await benchmarks('node-s'); return r.length > 1 && r; }, { timeoutMs: 15_000, what: 'second benchmark' });
    expect(again[1]!.data.passed).toBe(false);
  });

  it('does not benchmark a node that already has a benchmark on its stream', async () => {
    await store.append(Subjects.node('node-x'), [makeEvent('NodeBenchmarked', Subjects.node('node-x'), { nodeId: 'node-x', passed: true, tier: 'NIMBUS', cores: 8, ramMb: 32000, eps: 1, diskWriteMbps: 1, benchVersion: 'elsewhere' })], 'any');
    await register('node-x', 'NIMBUS');
    await register('node-y', 'CUMULUS'); // processed after node-x: once it is done, node-x was considered
    await waitUntil(async () => (await benchmarks('node-y')).length > 0, { timeoutMs: 15_000, what: 'node-y benchmarked' });
    expect((await benchmarks('node-x')).map((b) => b.data.benchVersion)).toEqual(['elsewhere']);
  });
});
