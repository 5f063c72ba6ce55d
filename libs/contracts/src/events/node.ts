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
}));

export const NodeWentDown = defineEvent('NodeWentDown', 1, z.object({
  nodeId: NodeId,
  lastSeen: z.iso.datetime(),
}));

export const NodeCameBack = defineEvent('NodeCameBack', 1, z.object({
  nodeId: NodeId,
}));
