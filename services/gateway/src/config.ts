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
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
