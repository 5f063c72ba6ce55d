/**
 * The node-agent's FluxBench module alone (no Docker, no database), on a real NATS: what the bench
 * service and the gateway ask in their tests, and what the node's own benchmark test drives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig, ServiceKitModule, startService, type Logger } from '@fluxplane/service-kit';
import { freePort } from '@fluxplane/testkit';
import { NodeAgentConfig } from '../src/config';
import { BenchmarkModule } from '../src/benchmark/benchmark.module';

@Module({})
class BenchmarkAgentModule {
  static forRoot(config: NodeAgentConfig, logger: Logger): DynamicModule {
    return { module: BenchmarkAgentModule, imports: [ServiceKitModule.forRoot({ name: 'node-agent', config, logger }), BenchmarkModule.forRoot(config)] };
  }
}

export interface BenchmarkAgent {
  app: NestFastifyApplication;
  config: NodeAgentConfig;
  /** FluxBench's JSON-RPC URL */
  rpcUrl: string;
  close(): Promise<void>;
}

/** Starts one node's benchmark; small, fast tests by default (200 ms CPU, 8 MB disk). */
export async function startBenchmarkAgent(o: { natsUrl: string; nodeId: string; ip: string; env?: Record<string, string> }): Promise<BenchmarkAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fp-bench-agent-'));
  const rpcPort = await freePort(o.ip);
  const config = loadConfig(NodeAgentConfig, {
    NATS_URL: o.natsUrl, NODE_ID: o.nodeId, NODE_IP: o.ip, HTTP_PORT: String(await freePort(o.ip)), LOG_LEVEL: 'silent',
    DATA_DIR: dataDir, BENCH_RPC_PORT: String(rpcPort), BENCH_CPU_MS: '200', BENCH_DISK_MB: '8', ...o.env,
  });
  const logger = createLogger('node-agent', 'silent');
  const app = await startService({ module: BenchmarkAgentModule.forRoot(config, logger), config, logger });
  return {
    app, config, rpcUrl: `http://${o.ip}:${rpcPort}/`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
