import { EVENT_STREAM, subjectToken, SYNC_DEVICES_BUCKET, syncDeviceKey } from './subjects';
import { MASTER_LEASES_BUCKET } from './signals';

/**
 * Who may say what on the bus: the one table the NATS server's per-user permissions are generated
 * from (`@fluxplane/bus-auth`). Each identity may publish only the subjects it owns and subscribe
 * only to what it consumes (docs/architecture.md, "Services"). Keep it next to the subjects: a new
 * event subject, query or signal goes in here too, or its owner is refused by NATS.
 *
 * Writes are exact (event subjects, signals, KV keys); reads of the event stream go through the
 * JetStream API, whose consumer subjects name a consumer, not the subjects it reads, so they are
 * allowed per stream (see docs/operations.md, "Least privilege on the bus").
 */

/** KV bucket of the projection runners' leases (one active runner per projection, `ProjectionLease`). */
export const PROJECTION_LEASES_BUCKET = 'fluxplane_projection_leases';
/** The gateway's KV buckets: login phrases and sessions (services/gateway/src/auth). */
/** KV bucket of the scheduler replicas' leader lease (one active scheduler). */
export const SCHEDULER_LEADER_BUCKET = 'fluxplane_scheduler_leader';
/** The gateway's KV buckets: login phrases and sessions (services/gateway/src/auth). */
export const GatewayBuckets = { phrases: 'fluxplane_gateway_login_phrases', sessions: 'fluxplane_gateway_sessions' } as const;

export interface ServiceBusRole {
  /** Postgres schema of its read models: its projection leases are keyed under it. */
  schema?: string;
  /** Event subjects it appends to (patterns). */
  appends: string[];
  /** Commands and queries it serves (patterns; answered through `allow_responses`). */
  serves: string[];
  /** Commands and queries it sends. */
  requests: string[];
  /** Core-NATS signals it publishes / subscribes to. */
  signalsOut: string[];
  signalsIn: string[];
  /** KV buckets it reads (and watches) and the keys it may write (`>` = any key). */
  kv: Array<{ bucket: string; write: string[] }>;
}

const none = { serves: [], requests: [], signalsOut: [], signalsIn: [], kv: [] } satisfies Partial<ServiceBusRole>;

/** Every service of the control plane (node agents: `nodeAgentRole`). Replicas of a service share its identity. */
export const ServiceRoles = {
  'chain-indexer': { ...none, schema: 'chain_indexer', appends: ['evt.chain'], serves: ['qry.chain-indexer.*'] },
  'app-registry': { ...none, schema: 'app_registry', appends: ['evt.app.*', 'evt.registry'], serves: ['cmd.app-registry.*', 'qry.app-registry.*'] },
  bench: { ...none, schema: 'bench', appends: ['evt.node.*'], requests: ['qry.node.*.bench.*', 'qry.node-ip.*.bench.*'] },
  scheduler: {
    ...none, schema: 'scheduler',
    // evt.instance.*.*: InstanceFailed for an instance not started by its deadline
    appends: ['evt.placement.*', 'evt.node.*', 'evt.master.*', 'evt.instance.*.*'],
    serves: ['qry.scheduler.*'],
    signalsIn: ['sig.heartbeat.*', 'sig.sync.*'],
    // the elector claims a new term's lease with a compare-and-set before it appends MasterElected
    // and replicas of the scheduler share one leader lease (services/scheduler, leader-lease.kv.ts)
    kv: [{ bucket: MASTER_LEASES_BUCKET, write: ['>'] }, { bucket: SCHEDULER_LEADER_BUCKET, write: ['>'] }],
  },
  // evt.route.*: InstanceRouted / InstanceDrained, which the scheduler's rollouts and the agents' stops wait on
  'domain-manager': { ...none, schema: 'domain_manager', appends: ['evt.routing.*', 'evt.route.*', 'evt.dns.*', 'evt.certificate.*'] },
  // qry.stats.{summary,history,tier-history,sample-times,nodes}; it also announces its samples on
  // ntf.projection.stats.samples (every service may announce under its own schema, below)
  stats: { ...none, schema: 'stats', appends: [], serves: ['qry.stats.*'] },
  gateway: {
    ...none,
    appends: [],
    requests: [
      'cmd.app-registry.submit-message', 'qry.app-registry.*', 'qry.scheduler.*', 'qry.chain-indexer.*', 'qry.stats.*',
      'qry.node-agent.*.*', 'cmd.node-agent.*.*', 'qry.node.*.bench.*', 'qry.node-ip.*.bench.*',
    ],
    // its snapshots of the hot read routes follow the read models they copy
    signalsIn: ['ntf.projection.app_registry.>', 'ntf.projection.scheduler.>', 'ntf.projection.stats.>'],
    kv: Object.values(GatewayBuckets).map((bucket) => ({ bucket, write: ['>'] })),
  },
} as const satisfies Record<string, ServiceBusRole>;

export type ServiceName = keyof typeof ServiceRoles;
export const SERVICE_NAMES = Object.keys(ServiceRoles) as ServiceName[];

/**
 * One node's agent: its own instances' events, its own heartbeat and sync status, its own device in
 * the device directory, its own request subjects. It reads every placement (to share synced data with
 * the other holders of an app) and every node's sync status.
 *
 * Not narrowed by node: a `g:` master lease's key names the app and component, not the node (the
 * lease record inside does), so any agent may write any lease entry (with a compare-and-set on
 * its revision).
 */
export function nodeAgentRole(nodeId: string, ip?: string): ServiceBusRole {
  const node = subjectToken(nodeId);
  return {
    ...none,
    appends: [`evt.instance.*.${node}`],
    serves: [`qry.node-agent.${node}.*`, `cmd.node-agent.${node}.*`, `qry.node.${node}.bench.*`, ...(ip ? [`qry.node-ip.${subjectToken(ip)}.bench.*`] : [])],
    requests: ['qry.app-registry.registry-auth'],
    signalsOut: [`sig.heartbeat.${node}`, `sig.sync.${node}`],
    signalsIn: ['sig.sync.*'],
    kv: [
      // Its own key, escaped as the agent writes it (an outpoint's ':' is not a KV key character).
      { bucket: SYNC_DEVICES_BUCKET, write: [syncDeviceKey(nodeId)] },
      { bucket: MASTER_LEASES_BUCKET, write: ['>'] },
    ],
  };
}

export type BusIdentity =
  | { kind: 'service'; service: ServiceName }
  | { kind: 'node-agent'; nodeId: string; ip?: string }
  /** Operators and provisioning: everything (creating or changing streams, `nats` CLI). */
  | { kind: 'admin' };

/** The identity's name: a single subject token, also its file names and its inbox prefix's last token. */
export function identityName(id: BusIdentity): string {
  if (id.kind === 'service') return id.service;
  if (id.kind === 'admin') return 'admin';
  return `node-${subjectToken(id.nodeId)}`;
}

/** Each identity receives replies only on its own inboxes: `NATS_INBOX_PREFIX` of the service. */
export function inboxPrefix(id: BusIdentity): string {
  return `_INBOX.${identityName(id)}`;
}

/**
 * Whether a request answered to `reply` comes from node `nodeId`'s agent, on a bus with identities:
 * each identity may subscribe only under its own inbox prefix, so a reply subject under
 * `_INBOX.node-<id>.` can only be read by that node's agent (a node asking "as" another node gets
 * the answer sent where only the other node can read it). On an open bus (the devnet) inboxes name
 * no one: callers check this only when the bus has identities.
 */
export function replyIsNodes(reply: string | undefined, nodeId: string): boolean {
  return reply !== undefined && reply.startsWith(`${inboxPrefix({ kind: 'node-agent', nodeId })}.`);
}

export interface BusPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer the requests it received (one reply each, to the requester's inbox). */
  allowResponses: boolean;
}

function kvSubjects(bucket: string, write: string[]): { publish: string[]; subscribe: string[] } {
  const stream = `KV_${bucket}`;
  return {
    publish: [
      ...write.map((k) => `$KV.${bucket}.${k}`),
      // create-if-missing, info, reads (direct get) and watches (ordered consumers on the bucket's stream)
      `$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.MSG.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`,
      `$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`,
      `$JS.API.CONSUMER.INFO.${stream}.*`, `$JS.API.CONSUMER.DELETE.${stream}.*`,
      `$JS.FC.${stream}.>`,
    ],
    subscribe: [],
  };
}

/**
 * What an identity may publish and subscribe to on the bus, derived from its role. The event
 * stream's name is a parameter (tests run their own).
 */
export function busPermissions(id: BusIdentity, opts: { stream?: string } = {}): BusPermissions {
  if (id.kind === 'admin') return { publish: ['>'], subscribe: ['>'], allowResponses: true };
  const role: ServiceBusRole = id.kind === 'service' ? ServiceRoles[id.service] : nodeAgentRole(id.nodeId, id.ip);
  const stream = opts.stream ?? EVENT_STREAM;
  const publish = new Set<string>([
    ...role.appends,
    ...role.requests,
    ...role.signalsOut,
    // JetStream: account info, create-if-missing and info of the event stream, reading single
    // messages (revisions), consumers on it (projections, reads of one aggregate), acks.
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`, `$JS.API.CONSUMER.CREATE.${stream}.>`, `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `$JS.API.CONSUMER.INFO.${stream}.*`, `$JS.API.CONSUMER.DELETE.${stream}.*`, `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.>`, `$JS.FC.${stream}.>`,
  ]);
  const subscribe = new Set<string>([`${inboxPrefix(id)}.>`, ...role.serves, ...role.signalsIn]);
  // A service announces its own read models' changes (`ntf.projection.<schema>.*`, lossy hints).
  if (role.schema) publish.add(`ntf.projection.${subjectToken(role.schema)}.*`);
  const kv = [...role.kv];
  if (role.schema) kv.push({ bucket: PROJECTION_LEASES_BUCKET, write: [`${role.schema}.*`] });
  for (const { bucket, write } of kv) {
    for (const s of kvSubjects(bucket, write).publish) publish.add(s);
  }
  return { publish: [...publish], subscribe: [...subscribe], allowResponses: role.serves.length > 0 };
}

/** Every identity of a deployment: the services, one per node agent, and the operators' admin. */
export function deploymentIdentities(nodes: Array<{ nodeId: string; ip?: string }>): BusIdentity[] {
  return [
    ...SERVICE_NAMES.map((service) => ({ kind: 'service', service }) as const),
    ...nodes.map((n) => ({ kind: 'node-agent', nodeId: n.nodeId, ...(n.ip ? { ip: n.ip } : {}) }) as const),
    { kind: 'admin' },
  ];
}
