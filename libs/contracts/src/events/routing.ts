import { z } from 'zod';
import { AppName, defineEvent, Hash64, NodeId } from '../define-event';

/** HAProxy now routes these hosts to these servers (the domain manager's record of effect). */
export const RoutesApplied = defineEvent('RoutesApplied', 1, z.object({
  domain: z.string().min(1),
  routes: z.array(z.object({ host: z.string(), servers: z.array(z.string()) })),
  reloaded: z.boolean(),
}));

/** An instance as the routes see it: the app, its node, and the spec its container runs. */
const RoutedInstance = { app: AppName, nodeId: NodeId, specHash: Hash64, domain: z.string().min(1) };

/**
 * HAProxy serves this instance: every server of it (one per public port) passed its health check
 * and is in rotation. The scheduler rolls an update on to the next instance only after this fact
 * for the new spec; the node agent waits for InstanceDrained before stopping an instance that had it.
 */
export const InstanceRouted = defineEvent('InstanceRouted', 1, z.object({
  ...RoutedInstance,
  servers: z.array(z.string()).max(20),
}));

/**
 * HAProxy sends this instance nothing any more: its servers were drained (no new requests, the ones
 * in flight answered, or the drain grace passed) and taken out. The node agent may stop it now.
 */
export const InstanceDrained = defineEvent('InstanceDrained', 1, z.object({
  ...RoutedInstance,
  servers: z.array(z.string()).max(20),
  /** The drain grace ran out while requests were still in flight (they were cut). */
  cut: z.boolean(),
}));
