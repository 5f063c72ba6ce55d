import { z } from 'zod';
import { AppName, defineEvent, Hash64, Ip, NodeId } from '../define-event';

/** What a node agent needs to run one component; self-contained so the agent keeps no app table. */
export const ComponentRun = z.object({
  name: z.string().min(1).max(63),
  image: z.string().min(1).max(200),
  ports: z.array(z.object({ host: z.number().int().min(0).max(65535), container: z.number().int().min(0).max(65535) })).max(10),
  environment: z.array(z.string().max(400)).max(20),
  commands: z.array(z.string().max(400)).max(20),
  containerData: z.string().max(200),
  cpu: z.number().positive(),
  ramMb: z.number().int().positive(),
  hddGb: z.number().int().nonnegative(),
});
export type ComponentRun = z.infer<typeof ComponentRun>;

export const InstanceScheduled = defineEvent('InstanceScheduled', 1, z.object({
  app: AppName,
  nodeId: NodeId,
  nodeIp: Ip,
  specHash: Hash64,
  components: z.array(ComponentRun).min(1).max(10),
  reason: z.string().max(200),
}));

export const InstanceUnscheduled = defineEvent('InstanceUnscheduled', 1, z.object({
  app: AppName,
  nodeId: NodeId,
  reason: z.string().max(200),
}));

export const InstanceStarted = defineEvent('InstanceStarted', 1, z.object({
  app: AppName,
  nodeId: NodeId,
  ip: Ip,
  specHash: Hash64,
  ports: z.array(z.number().int().min(0).max(65535)),
  containers: z.array(z.object({ component: z.string(), id: z.string() })),
}));

export const InstanceFailed = defineEvent('InstanceFailed', 1, z.object({
  app: AppName,
  nodeId: NodeId,
  specHash: Hash64,
  error: z.string().max(2000),
}));

export const InstanceStopped = defineEvent('InstanceStopped', 1, z.object({
  app: AppName,
  nodeId: NodeId,
  reason: z.string().max(200),
}));
