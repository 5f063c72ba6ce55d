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
