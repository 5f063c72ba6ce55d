import { resolve } from 'node:path';
import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';

export const GatewayConfig = BaseConfig.extend({
  /** FluxOS's API port. */
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16127),
  /** fluxd JSON-RPC, for the `/daemon/*` routes. */
  FLUXD_RPC_URL: z.url().default('http://127.0.0.1:16124'),
  FLUXD_RPC_USER: z.string().optional(),
  FLUXD_RPC_PASSWORD: z.string().optional(),
  BODY_LIMIT_BYTES: envNumber(z.coerce.number().int().positive().default(256 * 1024)),
  RATE_LIMIT_PER_MINUTE: envNumber(z.coerce.number().int().positive().default(600)),
  REQUEST_TIMEOUT_MS: envNumber(z.coerce.number().int().positive().default(15_000)),
  /**
   * `host[:port]` of the registry images are looked up in at verification and registration (the
   * node agents' REGISTRY_MIRROR): too large or not linux/amd64 is refused. Empty: no image check.
   */
  IMAGE_CHECK_REGISTRY: z.string().regex(/^$|^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host[:port] (or empty for no image check)').default(''),
  /**
   * The read snapshots (specs, permanent messages, locations, stats) follow their projections'
   * change notifications; as a safety net against a lost notification they are also re-read this
   * often (only when asked; an unchanged answer keeps its ETag).
   */
  SNAPSHOT_REFRESH_MS: envNumber(z.coerce.number().int().positive().default(30_000)),
  /**
   * Location rows carry the time of the answer (`broadcastedAt`, `expireAt` 125 min later); an
   * unchanged locations snapshot is stamped anew this often (FluxOS nodes re-broadcast hourly).
   */
  LOCATIONS_RESTAMP_MS: envNumber(z.coerce.number().int().positive().default(60 * 60_000)),
  /**
   * The dashboard's built files (apps/dashboard, `vite build`), served under `/dashboard/`. Default:
   * where the repository's build puts them, beside this service.
   */
  DASHBOARD_DIR: z.string().min(1).default(resolve(__dirname, '../../../apps/dashboard/dist')),
  /**
   * Frames queued for one browser on `GET /events/live` while its connection is slow; past it the
   * queue is dropped and the browser told to read its state again (a `gap` frame).
   */
  LIVE_MAX_QUEUED: envNumber(z.coerce.number().int().positive().default(256)),
  /** A comment frame this often keeps idle live connections (and proxies in between) open. */
  LIVE_PING_MS: envNumber(z.coerce.number().int().positive().default(15_000)),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
