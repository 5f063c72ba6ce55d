import { createHash } from 'node:crypto';

/**
 * Names and labels of the containers an agent owns. Labels are the truth (the agent finds its
 * containers by `fluxplane.node`); names follow FluxOS (`/flux<component>_<app>`) so that
 * operators and tools that look for `flux*` containers recognise them, with a node suffix because
 * several agents may share one Docker engine and names are engine-wide.
 */
export const Labels = {
  app: 'fluxplane.app',
  node: 'fluxplane.node',
  component: 'fluxplane.component',
  specHash: 'fluxplane.spec-hash',
  /** Set (`g`) on primary/standby components: the node's fence watchdog stops them when their lease lapses. */
  fenced: 'fluxplane.fenced',
} as const;

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/**
 * Squeezes a node id (any string up to 140 characters, e.g. `txid:index`) into `[a-z0-9_-]` of
 * bounded length. Lossy ids get a hash suffix so two different ids never share a token.
 */
export function nodeToken(nodeId: string, maxLength = 24): string {
  const clean = nodeId.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  if (clean === nodeId && clean.length <= maxLength) return clean;
  return `${clean.slice(0, maxLength - 9)}-${shortHash(nodeId)}`;
}

/** Postgres schema of one agent: one per node, so agents sharing a database never see each other's rows. */
export function schemaName(nodeId: string): string {
  const token = nodeId.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const plain = `node_agent_${token}`;
  // 63 is Postgres's identifier limit; lossy ids get a hash suffix to stay distinct.
  if (token === nodeId && plain.length <= 63) return plain;
  return `node_agent_${token.slice(0, 40)}_${shortHash(nodeId)}`;
}

export function containerName(component: string, app: string, nodeId: string): string {
  return `${fluxContainerName(component, app)}_${nodeToken(nodeId)}`;
}

/** FluxOS's own name of a component's container (v4+ specs), as its API lists it: `flux<component>_<app>`. */
export function fluxContainerName(component: string, app: string): string {
  return `flux${component}_${app}`;
}

/** Apps are unique case-insensitively (as their subjects are); the agent keys them the same way. */
export function appKey(app: string): string {
  return app.toLowerCase();
}
