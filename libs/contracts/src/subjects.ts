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
  /** Wildcards for consumers. */
  all: {
    chain: 'evt.chain',
    apps: 'evt.app.>',
    nodes: 'evt.node.>',
    placements: 'evt.placement.>',
    instances: 'evt.instance.>',
    routing: 'evt.routing.>',
  },
} as const;

/** Commands are NATS request/reply, answered once the resulting events are durable. */
export const Commands = {
  submitAppMessage: 'cmd.app-registry.submit-message',
} as const;

/** Queries are NATS request/reply answered from a service's own projection. */
export const Queries = {
  statsSummary: 'qry.stats.summary',
  appSpecs: 'qry.app-registry.specs',
  appMessages: 'qry.app-registry.messages',
  appHashes: 'qry.app-registry.hashes',
  registryHeight: 'qry.app-registry.height',
  /** the price schedule in force: flux-spec's FLUX_PRICE_SCHEDULE merged with the chain's price soft forks */
  appPrices: 'qry.app-registry.prices',
  appLocations: 'qry.scheduler.locations',
  /** chain-indexer's explorer: scanned height, nodes with tiers, payments of app hashes */
  explorerHeight: 'qry.chain-indexer.scanned-height',
  explorerNodes: 'qry.chain-indexer.nodes',
  explorerPayments: 'qry.chain-indexer.payments',
} as const;

/** Signals are not events: live, lossy, on core NATS. */
export const Signals = {
  heartbeat: (nodeId: string) => `sig.heartbeat.${subjectToken(nodeId)}`,
  heartbeats: 'sig.heartbeat.*',
} as const;
