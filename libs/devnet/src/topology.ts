import type { ProcessSpec } from './processes';
import type { NodeSyncthing } from './syncthing';

export interface HaproxyPaths {
  config: string;
  map: string;
  masterSocket: string;
  adminSocket: string;
  /** address:port HAProxy serves apps on */
  bind: string;
}

export interface DnsSettings {
  /** PowerDNS's HTTP API, e.g. `http://127.0.0.1:18082`. */
  apiUrl: string;
  apiKey: string;
  /** Where `dig` asks: 127.0.0.1:<dnsPort>. */
  dnsPort: number;
  /** Zones custom domains are written into (besides `app.<domain>`). */
  customZones?: string[];
}

export interface NodeSpec {
  /** The node's id on chain: its collateral outpoint `txid:n`. */
  nodeId: string;
  /** Loopback address the node agent publishes containers on. */
  ip: string;
  httpPort: number;
  /** The agent's DATA_DIR: app volumes and their mounts. */
  dataDir: string;
  /** FluxBench's JSON-RPC port on the node's address (default 16224, as fluxbenchd). */
  benchRpcPort?: number;
  /** The node's Syncthing (started before its agent); without it the agent syncs no data. */
  syncthing?: NodeSyncthing;
  /** Where the agent's API listens when not on `ip` (a node in a network namespace: its veth address). */
  httpHost?: string;
  /** The agent's DATABASE_URL when not the network's (a node in a namespace: the unix socket). */
  databaseUrl?: string;
  /** A command the agent is run under (`nsenter --net=...`); see ProcessSpec.prefix. */
  prefix?: string[];
  /** Where the node says it is (`continent_country_region`); default: `DEVNET_LOCATIONS` by its place in the list. */
  location?: string;
}

/** Simulated places for the devnet's nodes (FluxOS nodes learn theirs from a geolocation service). */
export const DEVNET_LOCATIONS = ['EU_CZ_Prague', 'EU_DE_Bavaria', 'NA_US_Texas', 'EU_FI_Uusimaa', 'AS_JP_Tokyo', 'NA_CA_Quebec'];

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
  /** PowerDNS (scripts/infra/pdns.sh) the domain manager writes app records to; none: no DNS records. */
  dns?: DnsSettings;
  /** Faster reactions for tests. */
  fast?: boolean;
  /** Flux rules height = chain height + this (a devchain starts at 0 but follows today's rules). */
  rulesHeightOffset?: number;
  /** ACME certificates for the apps' names, HTTPS on `tlsBind` (domain-manager's ACME_* / CERT_* settings). */
  certificates?: DevnetCertificates;
  /**
   * Extra environment per process name (`scheduler`, `node-agent-2`, …), applied last. For a test whose
   * subject needs another setting than the devnet's, e.g. a scheduler slow to declare nodes down.
   */
  serviceEnv?: Record<string, Record<string, string>>;
}

export interface DevnetCertificates {
  acmeDirectoryUrl: string;
  /** PEM of the ACME API's TLS certificate (pebble's). */
  acmeCaFile: string;
  tlsBind: string;
  renewBeforeS?: number;
  checkIntervalMs?: number;
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
  const withOverrides = (p: ProcessSpec): ProcessSpec => (s.serviceEnv?.[p.name] ? { ...p, env: { ...p.env, ...s.serviceEnv[p.name] } } : p);
  return [
    svc('chain-indexer', SERVICE_SCRIPTS.chainIndexer, s.ports.chainIndexer, { FLUXD_RPC_URL: s.devchainUrl, CHAIN_PROFILE: 'devchain', POLL_INTERVAL_MS: s.fast ? '200' : '1000' }),
    svc('app-registry', SERVICE_SCRIPTS.appRegistry, s.ports.appRegistry, { ...fast, RULES_HEIGHT_OFFSET: String(s.rulesHeightOffset ?? 0) }),
    // g: leases: a master renews every lease/3; the margin covers the agent's fence stop (2 s,
    // FENCE_STOP_TIMEOUT_SEC in services/node-agent) plus its lease check, so the old copy is gone
    // before a new term starts.
    svc('scheduler', SERVICE_SCRIPTS.scheduler, s.ports.scheduler, s.fast ? {
      SCHEDULER_RECONCILE_INTERVAL_MS: '1000', NODE_DOWN_AFTER_MS: '3000', NODE_BACK_AFTER_MS: '2000', MASTER_LEASE_MS: '1500', MASTER_LEASE_MARGIN_MS: '2500',
    } : {}),
    // The devnet's nodes share one small machine: its tier minimums (services/bench/src/domain/tier-profiles.ts).
    svc('bench', SERVICE_SCRIPTS.bench, s.ports.bench, { BENCH_PROFILE: 'devnet', ...(s.fast ? { BENCH_RETRY_FAILED_MS: '2000', BENCH_SWEEP_INTERVAL_MS: '1000', BENCH_RETRY_MIN_MS: '500', BENCH_RETRY_MAX_MS: '4000' } : { BENCH_RETRY_FAILED_MS: '60000' }) }),
    svc('domain-manager', SERVICE_SCRIPTS.domainManager, s.ports.domainManager, {
      APP_DOMAIN: s.domain,
      ...(s.dns ? {
        DNS_PROVIDER: 'powerdns', PDNS_API_URL: s.dns.apiUrl, PDNS_API_KEY: s.dns.apiKey, DNS_CUSTOM_ZONES: (s.dns.customZones ?? []).join(','),
      } : {}),
      HAPROXY_CONFIG: s.haproxy.config,
      HAPROXY_MAP: s.haproxy.map,
      HAPROXY_MASTER_SOCKET: s.haproxy.masterSocket,
      HAPROXY_ADMIN_SOCKET: s.haproxy.adminSocket,
      HAPROXY_BIND: s.haproxy.bind,
      ...(s.certificates ? {
        ACME_DIRECTORY_URL: s.certificates.acmeDirectoryUrl,
        ACME_CA_FILE: s.certificates.acmeCaFile,
        TLS_BIND: s.certificates.tlsBind,
        ...(s.certificates.renewBeforeS !== undefined ? { CERT_RENEW_BEFORE_S: String(s.certificates.renewBeforeS) } : {}),
        ...(s.certificates.checkIntervalMs !== undefined ? { CERT_CHECK_INTERVAL_MS: String(s.certificates.checkIntervalMs) } : {}),
        ...(s.fast ? { CERT_RETRY_MIN_MS: '500', CERT_RETRY_MAX_MS: '5000' } : {}),
      } : {}),
    }),
    // The history keeps its default retention (35 days) and survives `down`/`up`: a running devnet
    // answers history for as long as it has run. Tests sample every second, the devnet every 10 s.
    svc('stats', SERVICE_SCRIPTS.stats, s.ports.stats, { STATS_SAMPLE_INTERVAL_MS: s.fast ? '1000' : '10000' }),
    svc('gateway', SERVICE_SCRIPTS.gateway, s.ports.gateway, {
      FLUXD_RPC_URL: s.devchainUrl, RULES_HEIGHT_OFFSET: String(s.rulesHeightOffset ?? 0), IMAGE_CHECK_REGISTRY: s.registryMirror,
    }),
    ...nodes.map((n, i) => ({ ...svc(`node-agent-${i + 1}`, SERVICE_SCRIPTS.nodeAgent, n.httpPort, {
      NODE_ID: n.nodeId,
      NODE_IP: n.ip,
      HTTP_HOST: n.httpHost ?? n.ip,
      ...(n.databaseUrl ? { DATABASE_URL: n.databaseUrl } : {}),
      NODE_LOCATION: n.location ?? DEVNET_LOCATIONS[i % DEVNET_LOCATIONS.length]!,
      // Every other devnet node has a static IP and sits in a datacenter, so those rules can be tried.
      NODE_STATIC_IP: String(i % 2 === 0), NODE_DATACENTER: String(i % 2 === 0),
      REGISTRY_MIRROR: s.registryMirror,
      DATA_DIR: n.dataDir,
      ...(n.benchRpcPort !== undefined ? { BENCH_RPC_PORT: String(n.benchRpcPort) } : {}),
      ...(n.syncthing ? { SYNCTHING_URL: n.syncthing.url, SYNCTHING_API_KEY_FILE: n.syncthing.apiKeyFile, SYNCTHING_LISTEN_ADDRESS: n.syncthing.listenAddress } : {}),
      ...(s.fast ? {
        RECONCILE_INTERVAL_MS: '1000', DOCKER_TIMEOUT_MS: '15000', PULL_TIMEOUT_MS: '30000', BENCH_CPU_MS: '300', BENCH_DISK_MB: '16',
        CRASH_RESTART_LIMIT: '2', CRASH_WINDOW_MS: '60000', CRASH_BACKOFF_INITIAL_MS: '300', CRASH_BACKOFF_MAX_MS: '1000',
        SYNC_STATUS_INTERVAL_MS: '1000',
      } : {}),
    }), ...(n.prefix ? { prefix: n.prefix } : {}) })),
  ].map(withOverrides);
}
