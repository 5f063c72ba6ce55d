import { z } from 'zod';
import { NodeId } from '@fluxplane/contracts';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';

/** `host[:port]` of a registry; empty means "pull repotags as they are". */
const RegistryAddress = z.string().regex(/^$|^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host[:port] (or empty for no mirror)');

export const NodeAgentConfig = BaseConfig.extend({
  NODE_ID: NodeId,
  /** The node's own address: containers publish their ports here, and the API listens here. */
  NODE_IP: z.ipv4(),
  /** FluxOS's API port. Several agents share one machine by binding different loopback addresses. */
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16127),
  /** Defaults to NODE_IP (below), so agents on one machine do not collide on 127.0.0.1:16127. */
  HTTP_HOST: z.string().min(1).optional(),
  DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
  REGISTRY_MIRROR: RegistryAddress.default('127.0.0.1:5000'),
  RECONCILE_INTERVAL_MS: envNumber(z.coerce.number().int().min(100).default(5000)),
  HEARTBEAT_INTERVAL_MS: envNumber(z.coerce.number().int().min(50).default(1000)),
  /** A call to the Docker engine that stays silent this long fails (and is retried by the loop). */
  DOCKER_TIMEOUT_MS: envNumber(z.coerce.number().int().min(1000).default(60_000)),
  /** Longest a whole image pull may take. */
  PULL_TIMEOUT_MS: envNumber(z.coerce.number().int().min(1000).default(600_000)),
}).transform((c) => ({ ...c, HTTP_HOST: c.HTTP_HOST ?? c.NODE_IP }));

export type NodeAgentConfig = z.infer<typeof NodeAgentConfig>;
