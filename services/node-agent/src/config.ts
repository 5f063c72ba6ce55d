import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { NodeId } from '@fluxplane/contracts';
import { errorText, BaseConfig, envBoolean, envNumber } from '@fluxplane/service-kit';
import { BenchmarkVars } from './benchmark/config';

/** `host[:port]` of a registry; empty means "pull repotags as they are". */
const RegistryAddress = z.string().regex(/^$|^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host[:port] (or empty for no mirror)');

export const NodeAgentConfig = BaseConfig.extend({
  NODE_ID: NodeId,
  /** The node's own address: containers publish their ports here, and the API listens here. */
  NODE_IP: z.ipv4(),
  /** FluxOS's API port. Several agents share one machine by binding different loopback addresses. */
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16127),
  /** One agent per node: its projections need no lease among replicas (0). */
  PROJECTION_LEASE_MS: BaseConfig.shape.PROJECTION_LEASE_MS.default(0),
  /** Nobody follows a node's own read models, and its bus identity may not announce them. */
  PROJECTION_NOTIFY: BaseConfig.shape.PROJECTION_NOTIFY.default(false),
  /** Defaults to NODE_IP (below), so agents on one machine do not collide on 127.0.0.1:16127. */
  HTTP_HOST: z.string().min(1).optional(),
  DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  /** Where the node keeps app data (volume files, their mounts) and its own state. Absolute. */
  DATA_DIR: z.string().regex(/^\//, 'must be an absolute path').default('/var/lib/fluxplane/node'),
  REGISTRY_MIRROR: RegistryAddress.default('127.0.0.1:5000'),
  /** Where the node is, FluxOS's `continent_country[_region]` (e.g. `EU_CZ_Prague`); apps' geolocation rules read it. */
  NODE_LOCATION: z.string().regex(/^[A-Z]{2}_[A-Z]{2}(_[^_]+)?$/, 'must be CONTINENT_COUNTRY[_Region], e.g. EU_CZ_Prague').optional(),
  /** The node's IP is static (apps with `staticip` may go here). */
  NODE_STATIC_IP: envBoolean.default(false),
  /** The node is in a datacenter (v8 `datacenter` apps may go here). */
  NODE_DATACENTER: envBoolean.default(false),
  /** The node runs ArcaneOS and can decrypt enterprise apps. */
  NODE_ENTERPRISE: envBoolean.default(false),
  RECONCILE_INTERVAL_MS: envNumber(z.coerce.number().int().min(100).default(5000)),
  /**
   * An instance HAProxy serves (InstanceRouted) is stopped or replaced only once the domain manager
   * says it is drained (InstanceDrained), or after this long without that answer (a domain manager
   * that is down must not block unschedules and updates for good). Above its ROUTE_DRAIN_GRACE_MS.
   */
  DRAIN_WAIT_MS: envNumber(z.coerce.number().int().min(0).max(600_000).default(15_000)),
  HEARTBEAT_INTERVAL_MS: envNumber(z.coerce.number().int().min(50).default(1000)),
  /** A call to the Docker engine that stays silent this long fails (and is retried by the loop). */
  DOCKER_TIMEOUT_MS: envNumber(z.coerce.number().int().min(1000).default(60_000)),
  /** Longest a whole image pull may take. */
  PULL_TIMEOUT_MS: envNumber(z.coerce.number().int().min(1000).default(600_000)),
  /** FluxBench on the node: src/benchmark/config.ts */
  ...BenchmarkVars,
  /** Crash policy: restarts of a crashed container allowed within CRASH_WINDOW_MS before the instance fails. */
  CRASH_RESTART_LIMIT: envNumber(z.coerce.number().int().min(0).default(5)),
  CRASH_WINDOW_MS: envNumber(z.coerce.number().int().min(1000).default(300_000)),
  /** Wait before the second restart in the window; doubles for each further one, up to CRASH_BACKOFF_MAX_MS. */
  CRASH_BACKOFF_INITIAL_MS: envNumber(z.coerce.number().int().min(0).default(1000)),
  CRASH_BACKOFF_MAX_MS: envNumber(z.coerce.number().int().min(0).default(60_000)),
  /** The node's own Syncthing REST API (e.g. `http://127.1.0.1:8384`). Unset: no data sync on this node. */
  SYNCTHING_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Its API key, or (SYNCTHING_API_KEY_FILE) a file holding it, as scripts/infra/syncthing.sh writes it. */
  SYNCTHING_API_KEY: z.string().min(1).optional(),
  SYNCTHING_API_KEY_FILE: z.string().regex(/^\//, 'must be an absolute path').optional(),
  /** Where the other nodes' Syncthing dial this one (`tcp://<NODE_IP>:16129`), published with the device id. */
  SYNCTHING_LISTEN_ADDRESS: z.string().regex(/^tcp:\/\/[^\s/]+:\d{1,5}$/, 'must be tcp://host:port').optional(),
  /** Sync status is reported (sig.sync.<node>) and the Syncthing config reconciled this often. */
  SYNC_STATUS_INTERVAL_MS: envNumber(z.coerce.number().int().min(200).default(2000)),
  /**
   * The node's fence watchdog (src/fence-watchdog): a process started beside the agent that outlives it and
   * stops the node's g: containers whose lease lapsed (the agent writes DATA_DIR/fence/leases.json).
   */
  FENCE_WATCHDOG: z.enum(['on', 'off']).default('on'),
  /** How often the watchdog looks; with FENCE_WATCHDOG_STOP_SEC it must fit in the elector's lease margin. */
  FENCE_WATCHDOG_INTERVAL_MS: envNumber(z.coerce.number().int().min(20).max(10_000).default(200)),
  FENCE_WATCHDOG_STOP_SEC: envNumber(z.coerce.number().int().min(0).max(60).default(1)),
  /** The FluxOS version the node's API answers as (`/flux/info` `flux.version`; FDM wants ≥ 8.2.0). */
  FLUX_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be major.minor.patch').default('8.20.0'),
  /** `/flux/isarcaneos`: whether the node runs ArcaneOS (FluxOS reads it from its environment). */
  FLUX_ARCANE_OS: envBoolean.default(false),
}).superRefine((c, ctx) => {
  if (!c.SYNCTHING_URL) return;
  if (!c.SYNCTHING_API_KEY && !c.SYNCTHING_API_KEY_FILE) ctx.addIssue({ code: 'custom', path: ['SYNCTHING_API_KEY'], message: 'SYNCTHING_URL is set: give SYNCTHING_API_KEY or SYNCTHING_API_KEY_FILE' });
  if (!c.SYNCTHING_LISTEN_ADDRESS) ctx.addIssue({ code: 'custom', path: ['SYNCTHING_LISTEN_ADDRESS'], message: 'SYNCTHING_URL is set: give the address peers dial (tcp://host:port)' });
  if (c.SYNCTHING_API_KEY_FILE && !c.SYNCTHING_API_KEY) {
    try {
      if (!readFileSync(c.SYNCTHING_API_KEY_FILE, 'utf8').trim()) ctx.addIssue({ code: 'custom', path: ['SYNCTHING_API_KEY_FILE'], message: 'the file is empty' });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['SYNCTHING_API_KEY_FILE'], message: `cannot read it: ${errorText(err)}` });
    }
  }
}).transform((c) => ({
  ...c,
  HTTP_HOST: c.HTTP_HOST ?? c.NODE_IP,
  SYNCTHING_API_KEY: c.SYNCTHING_API_KEY ?? (c.SYNCTHING_URL && c.SYNCTHING_API_KEY_FILE ? readFileSync(c.SYNCTHING_API_KEY_FILE, 'utf8').trim() : undefined),
}));

export type NodeAgentConfig = z.infer<typeof NodeAgentConfig>;
