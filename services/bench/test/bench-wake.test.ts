import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { BenchConfig } from '../src/config';
import { BenchModule } from '../src/app.module';
import type { NodeBenchState } from '../src/bench.service';
import { startBenchmarkAgent, type BenchmarkAgent } from '../../node-agent/test/benchmark-agent';

/**
 * A node whose agent is still starting misses its first ask; it is asked again when its retry is
 * due, not at the next periodic sweep (ten minutes away here): the service wakes itself.
 */
describe('bench service: retries when due', () => {
  let svc: ServiceUnderTest<BenchConfig>;
  let agent: BenchmarkAgent | undefined;

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'bench', configSchema: BenchConfig, module: (c, l) => BenchModule.forRoot(c, l),
      env: { BENCH_PROFILE: 'devnet', BENCH_SWEEP_INTERVAL_MS: '600000', BENCH_RETRY_MIN_MS: '1500', BENCH_RETRY_MAX_MS: '3000', BENCH_NODE_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await svc?.close();
  });

  it('asks a node that did not answer again after its retry delay, and benchmarks it', async () => {
    await svc.store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: 'node-w', ip: '127.0.0.44', tier: 'CUMULUS', collateralSat: 1000e8, txid: 'tx-node-w', height: 1 })], 'any');
    const states = async () => ((await (await fetch(`${svc.base}/benchmarks`)).json()) as { nodes: NodeBenchState[] }).nodes;
    await waitUntil(async () => ((await states()).find((n) => n.nodeId === 'node-w')?.unreachable?.misses ?? 0) >= 1, { timeoutMs: 15_000, what: 'the first miss' });
    agent = await startBenchmarkAgent({ natsUrl: svc.nats.url, nodeId: 'node-w', ip: '127.0.0.44' });
    const t0 = Date.now();
    const benchmarked = await waitUntil(async () => {
      const events = (await svc.store.readStream(Subjects.node('node-w'))).events.map((e) => e.event);
      return events.find((e) => e.type === 'NodeBenchmarked');
    }, { timeoutMs: 20_000, what: 'node-w benchmarked without waiting for the periodic sweep' });
    expect(benchmarked.type === 'NodeBenchmarked' && benchmarked.data.passed).toBe(true);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
