import { z } from 'zod';
import { subjectToken } from '../subjects';
import { defineQuery, type RpcDefinition } from './define';

/*
 * FluxBench on the node: each node-agent answers, for its own node, what fluxbenchd answers FluxOS
 * over JSON-RPC (`getbenchmarks`, `getstatus`; field names as in fluxos.md §5 and FluxOS's daemon
 * stub). The bench service asks every node over the bus; the gateway forwards `/benchmark/*`.
 * Unlike the service-wide queries of `Rpc`, these subjects name one node, so they are built per node.
 */

const nonNegative = z.number().nonnegative();

/** One disk as FluxBench lists it (`disksinfo`). */
export const FluxBenchDisk = z.object({
  /** mount point or device the figures are for */
  disk: z.string(),
  /** size in GB */
  size: nonNegative,
  /** sequential write speed in MB/s (null when this disk was not write-tested) */
  writespeed: nonNegative.nullable(),
});
export type FluxBenchDisk = z.infer<typeof FluxBenchDisk>;

/**
 * `getbenchmarks`: the node's last measurement. Units as FluxBench's: `ram`, `ssd`, `hdd`,
 * `totalstorage` in GB, `ddwrite` in MB/s, `eps` in CPU events per second (all cores), `ping` in ms,
 * speeds in Mbit/s. `status` is the verdict: the tier name when the node passed (CUMULUS, NIMBUS,
 * STRATUS), anything else (`failed`, `pending`, `running`) is not a pass — as FluxOS reads it.
 * Network figures are null where they were not measured.
 */
export const FluxBenchBenchmarks = z.object({
  status: z.string().min(1).max(40),
  time: z.number().int().nonnegative().describe('unix seconds of the measurement (0: none yet)'),
  ipaddress: z.string(),
  cores: z.number().int().nonnegative(),
  real_cores: z.number().int().nonnegative(),
  ram: nonNegative,
  ssd: nonNegative,
  hdd: nonNegative,
  ddwrite: nonNegative,
  totalstorage: nonNegative,
  disksinfo: z.array(FluxBenchDisk),
  eps: nonNegative,
  ping: nonNegative.nullable(),
  download_speed: nonNegative.nullable(),
  upload_speed: nonNegative.nullable(),
  speed: nonNegative.nullable(),
  bench_version: z.string().max(40),
  flux_version: z.string().max(40),
  architecture: z.string().max(40),
  thunder: z.boolean(),
  /** why the last measurement or verdict failed, empty otherwise */
  error: z.string().max(500),
  /**
   * Not fluxbenchd's: what FluxOS learns about the node from its geolocation service at start (where it
   * is, whether its IP is static, whether it sits in a datacenter) and whether it runs ArcaneOS (can
   * decrypt enterprise apps). The bench service carries it into NodeBenchmarked for placement rules.
   */
  traits: z.object({
    geolocation: z.object({ continent: z.string(), country: z.string(), region: z.string().optional() }).optional(),
    staticIp: z.boolean(),
    datacenter: z.boolean(),
    enterprise: z.boolean(),
  }).optional(),
});
export type FluxBenchBenchmarks = z.infer<typeof FluxBenchBenchmarks>;

/** Where benchmarking stands on the node: not asked yet, measuring, done, or the measurement failed. */
export const Benchmarking = z.enum(['pending', 'running', 'complete', 'failed']);
export type Benchmarking = z.infer<typeof Benchmarking>;

/** `getstatus`: `{status:'online', benchmarking, flux}` (`flux`: the node's FluxOS side is up). */
export const FluxBenchStatus = z.object({
  status: z.literal('online'),
  benchmarking: Benchmarking,
  flux: z.boolean(),
});
export type FluxBenchStatus = z.infer<typeof FluxBenchStatus>;

/** `refresh: true` measures again before answering (the bench service's periodic re-benchmark). */
export const GetBenchmarksRequest = z.object({ refresh: z.boolean().default(false) });
export const GetStatusRequest = z.object({}).passthrough();

/** How a node is named on the bus: its id (collateral outpoint), or its IPv4 address. */
export type NodeAddress = { nodeId: string } | { ip: string };

function nodeSubject(node: NodeAddress, method: string): string {
  return 'nodeId' in node
    ? `qry.node.${subjectToken(node.nodeId)}.bench.${method}`
    : `qry.node-ip.${subjectToken(node.ip)}.bench.${method}`;
}

/** The two FluxBench queries of one node, by id or by IP (every agent answers both). */
export const NodeBenchRpc = {
  getBenchmarks: (node: NodeAddress): RpcDefinition<typeof GetBenchmarksRequest, typeof FluxBenchBenchmarks> =>
    defineQuery(nodeSubject(node, 'getbenchmarks'), GetBenchmarksRequest, FluxBenchBenchmarks),
  getStatus: (node: NodeAddress): RpcDefinition<typeof GetStatusRequest, typeof FluxBenchStatus> =>
    defineQuery(nodeSubject(node, 'getstatus'), GetStatusRequest, FluxBenchStatus),
} as const;
