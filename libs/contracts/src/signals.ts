import { z } from 'zod';
import { Ip, NodeId } from './define-event';

/**
 * "This node is alive", published by each node agent on core NATS (`Signals.heartbeat(nodeId)`)
 * every second or so. A signal, not an event: lossy and unstored. The scheduler turns a silence into
 * NodeWentDown and the next heartbeat into NodeCameBack.
 */
export const HeartbeatSignal = z.object({
  nodeId: NodeId,
  ip: Ip,
  at: z.iso.datetime(),
});
export type HeartbeatSignal = z.infer<typeof HeartbeatSignal>;

/**
 * `HeartbeatSignal.safeParse`, for the scheduler's hot path: 12,000 nodes heartbeat every second,
 * and the schema's parse allocates ~2 KB a heartbeat (a copy of the object, a context per field,
 * the result). A heartbeat as agents send it — exactly `nodeId`, `ip` and `at`, with `at` an
 * instant of this century on a day every month has — is checked here by hand and returned as it
 * is; anything else goes to the schema, which decides and names what is wrong. The fast check is
 * a strict subset of the schema, so the answer is always the schema's (a property test holds the
 * two together).
 */
export function parseHeartbeat(value: unknown): z.ZodSafeParseResult<HeartbeatSignal> {
  return isPlainHeartbeat(value) ? { success: true, data: value } : HeartbeatSignal.safeParse(value);
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` as `Date.toISOString` writes it, years 2000–2099, days 01–28: each one `z.iso.datetime()` accepts. */
const PLAIN_INSTANT = /^20\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function isPlainHeartbeat(value: unknown): value is HeartbeatSignal {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const o = value as Record<string, unknown>;
  let keys = 0;
  for (const k in o) {
    if (k !== 'nodeId' && k !== 'ip' && k !== 'at') return false;
    keys++;
  }
  if (keys !== 3) return false;
  const { nodeId, ip, at } = o;
  return typeof nodeId === 'string' && nodeId.length >= 1 && nodeId.length <= 140
    && typeof ip === 'string' && ip.length >= 3 && ip.length <= 64
    && typeof at === 'string' && PLAIN_INSTANT.test(at);
}

/** A node's Syncthing device, as its agent publishes it in the `SYNC_DEVICES_BUCKET` KV bucket. */
export const SyncDeviceRecord = z.object({
  nodeId: NodeId,
  /** Syncthing's device id (`XXXXXXX-…`, 8 groups of 7). */
  deviceId: z.string().regex(/^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$/, 'must be a Syncthing device id (8 groups of 7 base32 characters)'),
  /** Where the other nodes' Syncthing dial it, e.g. `tcp://127.1.0.1:16129`. */
  address: z.string().regex(/^tcp:\/\/[^\s/]+:\d{1,5}$/, 'must be tcp://host:port'),
  at: z.iso.datetime(),
});
export type SyncDeviceRecord = z.infer<typeof SyncDeviceRecord>;

/** One synced folder of one node: how far it is in sync, from that node's Syncthing. */
export const FolderSyncStatus = z.object({
  /** `flux<component>_<app>` (FluxOS's folder id). */
  folderId: z.string().min(1).max(200),
  app: z.string().min(1).max(63),
  component: z.string().min(1).max(63),
  syncMode: z.enum(['r', 'g', 's']),
  /** Syncthing's folder type: `receiveonly` until an r:/g: folder has caught up, then `sendreceive`. */
  type: z.string().min(1).max(40),
  /** Syncthing's folder state (`idle`, `scanning`, `syncing`, `error`, …). */
  state: z.string().max(40),
  /** Local completion against the global state known from connected peers, 0–100. */
  completion: z.number().min(0).max(100),
  needBytes: z.number().int().nonnegative(),
  needItems: z.number().int().nonnegative(),
  /** Files, directories and bytes this node holds in the folder: whether it "holds data". */
  localItems: z.number().int().nonnegative(),
  localBytes: z.number().int().nonnegative(),
  globalItems: z.number().int().nonnegative(),
  globalBytes: z.number().int().nonnegative(),
  /** When this agent last saw the folder idle, 100 % complete and needing nothing; null: not yet. */
  lastCompleteAt: z.iso.datetime().nullable(),
});
export type FolderSyncStatus = z.infer<typeof FolderSyncStatus>;

/**
 * How far a node's synced folders are in sync, published by its agent on core NATS
 * (`Signals.syncStatus(nodeId)`) every few seconds and on change. Read by the other agents (may an
 * `r:` instance start: does a peer hold data?) and, next, by the `g:` master election.
 */
export const SyncStatusSignal = z.object({
  nodeId: NodeId,
  deviceId: SyncDeviceRecord.shape.deviceId,
  at: z.iso.datetime(),
  folders: z.array(FolderSyncStatus).max(500),
});
export type SyncStatusSignal = z.infer<typeof SyncStatusSignal>;

/**
 * A `g:` master's lease, renewed by its node agent in the `MASTER_LEASES_BUCKET` KV bucket (key
 * `masterLeaseKey(app, component)`) with a compare-and-set on the entry's revision. A master that
 * cannot renew (cut off from the bus) stops its component when `leaseMs` has passed since its last
 * successful renewal, by its own clock; the elector starts no new term before the old lease has
 * certainly expired (lease + margin after the last renewal it saw).
 */
export const MasterLease = z.object({
  app: z.string().min(1).max(63),
  component: z.string().min(1).max(63),
  nodeId: z.string().min(1).max(140),
  term: z.number().int().positive(),
  renewedAt: z.iso.datetime(),
  leaseMs: z.number().int().positive(),
});
export type MasterLease = z.infer<typeof MasterLease>;

export const MASTER_LEASES_BUCKET = 'fluxplane_master_leases';

/** KV keys are `[-/_=.a-zA-Z0-9]+`: app names and component names fit, lowered. */
export function masterLeaseKey(app: string, component: string): string {
  return `${app.toLowerCase()}.${component.toLowerCase()}`;
}

/** `Notifications.projectionChanged`: the projection handled events up to stream sequence `seq`. */
export const ProjectionChanged = z.object({
  schema: z.string().min(1),
  projection: z.string().min(1),
  seq: z.number().int().nonnegative(),
});
export type ProjectionChanged = z.infer<typeof ProjectionChanged>;
