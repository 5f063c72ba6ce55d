import type { ProcessSpec } from './processes';

export interface HaproxyPaths {
  config: string;
  map: string;
  masterSocket: string;
  adminSocket: string;
  /** address:port HAProxy serves apps on */
  bind: string;
}

export interface NodeSpec {
  /** The node's id on chain: its collateral outpoint `txid:n`. */
  nodeId: string;
  /** Loopback address the node agent publishes containers on. */
  ip: string;
  httpPort: number;
}

export interface DevnetSettings {
  natsUrl: string;
  databaseUrl: string;
  eventStream?: string;
  domain: string;
  haproxy: HaproxyPaths;
  devchainUrl: string;
  registryMirror: string;
  logLevel?: string;
  ports: { gateway: number; chainIndexer: number; appRegistry: number; scheduler: number; bench: number; domainManager: number; stats: number };
  /** Faster reactions for tests. */
  fast?: boolean;
  /** Flux rules height = chain height + this (a devchain starts at 0 but follows today's rules). */
  rulesHeightOffset?: number;
}

/** A devchain behaves like the current network: its height 0 is judged by the rules of this height. */
export const DEVCHAIN_RULES_HEIGHT_OFFSET = 2_200_000;

export const SERVICE_SCRIPTS = {
  devchain: 'services/devchain/dist/main.js',
  chainIndexer: 'services/chain-indexer/dist/main.js',
  appRegistry: 'services/app-registry/dist/main.js',
  scheduler: 'services/scheduler/dist/main.js',
  bench: 'services/bench/dist/main.js',
  nodeAgent: 'services/node-agent/dist/main.js',
  domainManager: 'services/domain-manager/dist/main.js',
  stats: 'services/stats/dist/main.js',
  gateway: 'services/gateway/dist/main.js',
} as const;

export function devchainProcess(o: { host: string; port: number; blockIntervalMs: number; dataFile?: string; startHeight?: number }): ProcessSpec {
  return {
    name: 'devchain',
    script: SERVICE_SCRIPTS.devchain,
    env: {
      DEVCHAIN_RPC_HOST: o.host,
      DEVCHAIN_RPC_PORT: String(o.port),
      DEVCHAIN_BLOCK_INTERVAL_MS: String(o.blockIntervalMs),
      ...(o.dataFile ? { DEVCHAIN_DATA_FILE: o.dataFile } : {}),
      ...(o.startHeight !== undefined ? { DEVCHAIN_START_HEIGHT: String(o.startHeight) } : {}),
    },
  };
}

/** Every service of the control plane plus one agent per node, with the environment each needs. */
export function serviceProcesses(s: DevnetSettings, nodes: NodeSpec[]): ProcessSpec[] {
  const common = {
    NATS_URL: s.natsUrl,
    DATABASE_URL: s.databaseUrl,
    LOG_LEVEL: s.logLevel ?? 'info',
    ...(s.eventStream ? { EVENT_STREAM: s.eventStream } : {}),
  };
  const svc = (name: string, script: string, port: number, env: Record<string, string> = {}): ProcessSpec => ({
    name, script, env: { ...common, HTTP_PORT: String(port), ...env },
  });
  const fast: Record<string, string> = s.fast ? { REACTOR_INTERVAL_MS: '500' } : {};
  return [
    svc('chain-indexer', SERVICE_SCRIPTS.chainIndexer, s.ports.chainIndexer, { FLUXD_RPC_URL: s.devchainUrl, CHAIN_PROFILE: 'devchain', POLL_INTERVAL_MS: s.fast ? '200' : '1000' }),
    svc('app-registry', SERVICE_SCRIPTS.appRegistry, s.ports.appRegistry, { ...fast, RULES_HEIGHT_OFFSET: String(s.rulesHeightOffset ?? 0) }),
    svc('scheduler', SERVICE_SCRIPTS.scheduler, s.ports.scheduler, s.fast ? { SCHEDULER_RECONCILE_INTERVAL_MS: '1000', NODE_DOWN_AFTER_MS: '3000' } : {}),
    svc('bench', SERVICE_SCRIPTS.bench, s.ports.bench, s.fast ? { BENCH_RETRY_FAILED_MS: '2000', BENCH_SWEEP_INTERVAL_MS: '1000' } : { BENCH_RETRY_FAILED_MS: '60000' }),
    svc('domain-manager', SERVICE_SCRIPTS.domainManager, s.ports.domainManager, {
      APP_DOMAIN: s.domain,
      HAPROXY_CONFIG: s.haproxy.config,
      HAPROXY_MAP: s.haproxy.map,
      HAPROXY_MASTER_SOCKET: s.haproxy.masterSocket,
      HAPROXY_ADMIN_SOCKET: s.haproxy.adminSocket,
      HAPROXY_BIND: s.haproxy.bind,
    }),
    svc('stats', SERVICE_SCRIPTS.stats, s.ports.stats),
    svc('gateway', SERVICE_SCRIPTS.gateway, s.ports.gateway, { FLUXD_RPC_URL: s.devchainUrl, RULES_HEIGHT_OFFSET: String(s.rulesHeightOffset ?? 0) }),
    ...nodes.map((n, i) => svc(`node-agent-${i + 1}`, SERVICE_SCRIPTS.nodeAgent, n.httpPort, {
      NODE_ID: n.nodeId,
      NODE_IP: n.ip,
      HTTP_HOST: n.ip,
      REGISTRY_MIRROR: s.registryMirror,
      ...(s.fast ? { RECONCILE_INTERVAL_MS: '1000', DOCKER_TIMEOUT_MS: '15000', PULL_TIMEOUT_MS: '30000' } : {}),
    })),
  ];
}
