import { z } from 'zod';
import { RuntimeData, tryParseContainerData } from '@fluxplane/flux-spec';
import { AppName, defineEvent, Hash64, Ip, NodeId, Port, Reason } from '../define-event';

/** Which instance an event is about: one app's instance on one node (its subject says the same). */
const InstanceRef = { app: AppName, nodeId: NodeId };

/** What a node agent needs to run one component; self-contained so the agent keeps no app table. */
export const ComponentRun = z.object({
  name: z.string().min(1).max(63),
  image: z.string().min(1).max(200),
  ports: z.array(z.object({ host: Port, container: Port })).max(10),
  environment: z.array(z.string().max(400)).max(20),
  commands: z.array(z.string().max(400)).max(20),
  containerData: z.string().max(200),
  /** `containerData` parsed (the spec's runtime view): its mounts and sync mode. Since InstanceScheduled v2. */
  data: RuntimeData.nullable(),
  cpu: z.number().positive(),
  ramMb: z.number().int().positive(),
  hddGb: z.number().int().nonnegative(),
  /**
   * The image is in a private registry: the agent asks app-registry for the credentials at pull time
   * (`qry.app-registry.registry-auth`). The credentials themselves never travel in an event. Optional.
   */
  privateImage: z.boolean().optional(),
});
export type ComponentRun = z.infer<typeof ComponentRun>;

/** v1 components carry `containerData` only: parse it as the runtime view does (null when it does not parse). */
function componentWithData(c: Record<string, unknown>): Record<string, unknown> {
  if ('data' in c) return c;
  const parsed = tryParseContainerData(c.containerData);
  if (!parsed.ok) return { ...c, data: null };
  const { primary, additional, syncMode } = parsed.value;
  return { ...c, data: { raw: c.containerData, mounts: [primary, ...additional], syncMode } };
}

/** The components of one instance. Seal a list with it (`seal(ComponentRuns, list)`) to reuse it in many InstanceScheduled. */
export const ComponentRuns = z.array(ComponentRun).min(1).max(10);

export const InstanceScheduled = defineEvent('InstanceScheduled', 2, z.object({
  ...InstanceRef,
  nodeIp: Ip,
  specHash: Hash64,
  components: ComponentRuns,
  reason: Reason,
}), {
  1: (data) => (Array.isArray(data.components) ? { ...data, components: data.components.map((c) => (typeof c === 'object' && c !== null ? componentWithData(c as Record<string, unknown>) : c)) } : data),
}, { reusable: ['components'] });

export const InstanceUnscheduled = defineEvent('InstanceUnscheduled', 1, z.object({ ...InstanceRef, reason: Reason }));

export const InstanceStarted = defineEvent('InstanceStarted', 1, z.object({
  ...InstanceRef,
  ip: Ip,
  specHash: Hash64,
  ports: z.array(Port),
  containers: z.array(z.object({ component: z.string(), id: z.string() })),
}));

export const InstanceFailed = defineEvent('InstanceFailed', 1, z.object({
  ...InstanceRef,
  specHash: Hash64,
  error: z.string().max(2000),
}));

export const InstanceStopped = defineEvent('InstanceStopped', 1, z.object({
  ...InstanceRef,
  reason: Reason,
  /**
   * The app's owner stopped it (`/apps/appstop`): it stays placed but must not run, on this node,
   * until the owner starts it again (the agent's next InstanceStarted ends that). Optional, so
   * stops written before it read as unscheduled stops.
   */
  byOwner: z.boolean().optional(),
}));
