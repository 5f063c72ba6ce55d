import { z } from 'zod';
import { defineEvent, NodeId, Tier } from '../define-event';

/** A benchmark of a node: what it measured and which tier it qualifies for. */
export const NodeBenchmarked = defineEvent('NodeBenchmarked', 1, z.object({
  nodeId: NodeId,
  passed: z.boolean(),
  tier: Tier.nullable(),
  cores: z.number().int().positive(),
  ramMb: z.number().int().nonnegative(),
  eps: z.number().nonnegative(),
  diskWriteMbps: z.number().nonnegative(),
  benchVersion: z.string().max(40),
  reason: z.string().max(500).optional(),
  /*
   * Added when the measurement moved onto the node (FluxBench's getbenchmarks, asked over the bus):
   * optional, so events written before read as they are.
   */
  /** total storage of the node's data disk, GB */
  storageGb: z.number().nonnegative().optional(),
  /** the node's CPU architecture (FluxBench's `architecture`, e.g. amd64) */
  architecture: z.string().max(40).optional(),
  /** when the node measured (its FluxBench `time`) */
  measuredAt: z.iso.datetime().optional(),
  /** the node software's version its FluxBench reported (`flux_version`); optional, added for stats */
  fluxVersion: z.string().max(40).optional(),
  /*
   * Added for placement rules (FluxOS learns them from its geolocation service when the node starts):
   * optional, so events written before read as they are; a node without them has no known location
   * and no static IP, datacenter or enterprise trait.
   */
  /** where the node is: continent and ISO country codes (EU, CZ) and region name (Prague) */
  geolocation: z.object({
    continent: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter continent code'),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code'),
    region: z.string().min(1).max(80).regex(/^[^_]+$/, 'must not contain _').optional(),
  }).optional(),
  /** the node's IP is static (apps with `staticip` go only to such nodes) */
  staticIp: z.boolean().optional(),
  /** the node is hosted in a datacenter (v8 `datacenter` apps go only to such nodes) */
  datacenter: z.boolean().optional(),
  /** the node can run enterprise apps (ArcaneOS: it can decrypt them) */
  enterprise: z.boolean().optional(),
}));

export const NodeWentDown = defineEvent('NodeWentDown', 1, z.object({
  nodeId: NodeId,
  lastSeen: z.iso.datetime(),
}));

export const NodeCameBack = defineEvent('NodeCameBack', 1, z.object({
  nodeId: NodeId,
}));
