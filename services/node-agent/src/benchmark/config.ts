import { z } from 'zod';
import { envNumber } from '@fluxplane/service-kit';

/**
 * The node's FluxBench settings, spread into NodeAgentConfig. Every test is bounded: the CPU test
 * runs BENCH_CPU_MS, the disk test writes at most BENCH_DISK_MB and stops after BENCH_DISK_TIMEOUT_MS,
 * so a slow or full disk cannot keep a measurement (or the agent) busy.
 */
export const BenchmarkVars = {
  /** FluxBench's JSON-RPC port (fluxbenchd: 16224). 0 = any free port. */
  BENCH_RPC_PORT: envNumber(z.coerce.number().int().min(0).max(65535).default(16224)),
  /** Address the JSON-RPC server binds; defaults to NODE_IP (several agents share a devnet machine). */
  BENCH_RPC_HOST: z.ipv4().optional(),
  /** How long the CPU test counts events, on every core at once. */
  BENCH_CPU_MS: envNumber(z.coerce.number().int().min(50).max(10_000).default(1000)),
  /** sysbench's `--cpu-max-prime`: one event checks every number up to it for primality. */
  BENCH_EPS_MAX_PRIME: envNumber(z.coerce.number().int().min(100).max(100_000).default(10_000)),
  /** Most the disk test writes (under DATA_DIR/.fluxbench, removed afterwards). */
  BENCH_DISK_MB: envNumber(z.coerce.number().int().min(1).max(1024).default(64)),
  /** The disk test stops writing after this long and reports what it wrote in that time. */
  BENCH_DISK_TIMEOUT_MS: envNumber(z.coerce.number().int().min(100).max(120_000).default(5000)),
};

export interface BenchmarkConfig {
  NODE_ID: string;
  NODE_IP: string;
  /** Placement traits reported with the benchmark (NodeAgentConfig). */
  NODE_LOCATION?: string;
  NODE_STATIC_IP: boolean;
  NODE_DATACENTER: boolean;
  NODE_ENTERPRISE: boolean;
  DATA_DIR: string;
  BENCH_RPC_PORT: number;
  BENCH_RPC_HOST?: string;
  BENCH_CPU_MS: number;
  BENCH_EPS_MAX_PRIME: number;
  BENCH_DISK_MB: number;
  BENCH_DISK_TIMEOUT_MS: number;
}
