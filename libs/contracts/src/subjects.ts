/**
 * Subject names. One JetStream stream holds every event; each aggregate is one subject
 * `evt.<category>.<id>`. Ids are turned into a single subject token: NATS forbids `.`, `*`, `>`
 * and whitespace inside a token, and app names are unique case-insensitively, so they are lowered.
 */
export const EVENT_STREAM = 'FLUXPLANE_EVENTS';
export const EVENT_SUBJECTS = 'evt.>';

export function subjectToken(id: string): string {
  if (id.length === 0) throw new Error('subject token must not be empty');
  return id.replace(/[.\s*>%]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const Subjects = {
  /** Chain facts in block order: one aggregate, so the indexer is a single ordered writer. */
  chain: () => 'evt.chain',
  app: (name: string) => `evt.app.${subjectToken(name.toLowerCase())}`,
  /** app-registry's own bookkeeping that is about no single app (AppRollbacksHandled). */
  registry: () => 'evt.registry',
  node: (nodeId: string) => `evt.node.${subjectToken(nodeId)}`,
  placement: (app: string) => `evt.placement.${subjectToken(app.toLowerCase())}`,
  instance: (app: string, nodeId: string) => `evt.instance.${subjectToken(app.toLowerCase())}.${subjectToken(nodeId)}`,
  routing: (domain: string) => `evt.routing.${subjectToken(domain)}`,
  /** Whether HAProxy serves each instance of an app (InstanceRouted, InstanceDrained): rollouts and drains wait on it. */
  route: (app: string) => `evt.route.${subjectToken(app.toLowerCase())}`,
  /** One certified DNS name: its certificates, issue after renewal (CertificateIssued). */
  certificate: (name: string) => `evt.certificate.${subjectToken(name.toLowerCase())}`,
  /** The masters of an app's `g:` components, term after term (MasterElected). */
  master: (app: string) => `evt.master.${subjectToken(app.toLowerCase())}`,
  /** What the domain manager's DNS provider answers for the domain's zones (DnsRecordsApplied). */
  dns: (domain: string) => `evt.dns.${subjectToken(domain)}`,
  /** Wildcards for consumers. */
  all: {
    chain: 'evt.chain',
    apps: 'evt.app.>',
    nodes: 'evt.node.>',
    placements: 'evt.placement.>',
    instances: 'evt.instance.>',
    routing: 'evt.routing.>',
    routes: 'evt.route.>',
    dns: 'evt.dns.>',
    masters: 'evt.master.>',
    certificates: 'evt.certificate.>',
  },
} as const;

/** Commands are NATS request/reply, answered once the resulting events are durable. */
export const Commands = {
  submitAppMessage: 'cmd.app-registry.submit-message',
} as const;

/** Queries are NATS request/reply answered from a service's own projection. */
export const Queries = {
  statsSummary: 'qry.stats.summary',
  /** the network's samples over a time range, with the activity of each interval (services/stats) */
  statsHistory: 'qry.stats.history',
  /** confirmed nodes per tier over a time range (fluxstats' `/fluxhistorystats`) */
  statsTierHistory: 'qry.stats.tier-history',
  /** when each kept sample was taken (fluxstats' `/availabletimes`) */
  statsSampleTimes: 'qry.stats.sample-times',
  /** the confirmed nodes as stats knows them now (fluxstats' `/fluxinfo`, `/fluxversions`, `/fluxlocations`) */
  statsNodes: 'qry.stats.nodes',
  appSpecs: 'qry.app-registry.specs',
  appMessages: 'qry.app-registry.messages',
  appHashes: 'qry.app-registry.hashes',
  registryHeight: 'qry.app-registry.height',
  /** the price schedule in force: flux-spec's FLUX_PRICE_SCHEDULE merged with the chain's price soft forks */
  appPrices: 'qry.app-registry.prices',
  /** a component's private registry credentials, for a node that holds a placement of the app */
  registryAuth: 'qry.app-registry.registry-auth',
  /** which registered apps already claim these custom domains (the oldest registration owns a domain) */
  domainClaims: 'qry.app-registry.domain-claims',
  appLocations: 'qry.scheduler.locations',
  /** why an app is (not) placed: per rule, the nodes it ruled out; where each instance runs and why */
  appPlacement: 'qry.scheduler.placement',
  /** the same for a spec that is not registered (a dry run) */
  placementDryRun: 'qry.scheduler.placement-dry-run',
  /** every node the scheduler knows: tier, location, liveness, load */
  networkNodes: 'qry.scheduler.nodes',
  /** chain-indexer's explorer: scanned height, nodes with tiers, payments of app hashes */
  explorerHeight: 'qry.chain-indexer.scanned-height',
  explorerNodes: 'qry.chain-indexer.nodes',
  explorerPayments: 'qry.chain-indexer.payments',
} as const;

/** Signals are not events: live, lossy, on core NATS. */
export const Signals = {
  heartbeat: (nodeId: string) => `sig.heartbeat.${subjectToken(nodeId)}`,
  heartbeats: 'sig.heartbeat.*',
  /** How far each synced folder of a node is in sync (SyncStatusSignal). */
  syncStatus: (nodeId: string) => `sig.sync.${subjectToken(nodeId)}`,
  syncStatuses: 'sig.sync.*',
} as const;

/**
 * Notifications: core NATS, lossy, unstored. A service's read model changed: published after the
 * commit (so a reader asked now sees the change), at most every few milliseconds per projection.
 * Readers that keep a copy (the gateway's snapshots) mark it stale; they also refresh on reconnect
 * and periodically, since a notification can be lost.
 */
export const Notifications = {
  projectionChanged: (schema: string, projection: string) => `ntf.projection.${subjectToken(schema)}.${subjectToken(projection)}`,
  /** Every projection of one service (its Postgres schema). */
  projectionsOf: (schema: string) => `ntf.projection.${subjectToken(schema)}.>`,
} as const;

/**
 * JetStream KV bucket of the nodes' Syncthing devices (SyncDeviceRecord), keyed by node id (as a
 * subject token): a node's latest device id and listen address survive its agent's restarts and
 * are there for a node that joins later.
 */
export const SYNC_DEVICES_BUCKET = 'fluxplane_sync_devices';
/**
 * A node's key in `SYNC_DEVICES_BUCKET`. KV keys allow `[-/_=.A-Za-z0-9]`; node ids (`txid:n`) hold
 * other characters, escaped as `=xx`. The node agent writes it and its bus permission names it, so
 * both come from here.
 */
export function syncDeviceKey(nodeId: string): string {
  return nodeId.replace(/[^-_A-Za-z0-9]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
