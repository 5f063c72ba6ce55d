import { z } from 'zod';
import { AppName, defineEvent, NodeId, Reason } from '../define-event';

/**
 * The master of a `g:` (primary/standby) component for one term. Appended on `Subjects.master(app)`
 * with the expected revision of that stream, so two deciders can never both win a term; terms only
 * grow (a new term is the previous one + 1). Only the node holding the highest term, with an unexpired
 * lease (`MasterLease` in the `MASTER_LEASES_BUCKET` KV), may run the component; every other node
 * keeps it stopped and its folder receive-only.
 */
export const MasterElected = defineEvent('MasterElected', 1, z.object({
  app: AppName,
  /** The `g:` component's name. */
  component: z.string().min(1).max(63),
  nodeId: NodeId,
  term: z.number().int().positive(),
  reason: Reason,
  /** How long the master may run without renewing its lease. A new term starts only after lease + margin. */
  leaseMs: z.number().int().positive(),
}));
