import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';

export const RegistryConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16141),
  /** How long a verified message waits for its payment (Flux: one hour). */
  TEMPORARY_MESSAGE_TTL_MS: envNumber(z.coerce.number().int().positive()).default(3_600_000),
  /** Periodic pass over pending payments and expiries, in case a signal was missed. */
  REACTOR_INTERVAL_MS: envNumber(z.coerce.number().int().positive()).default(5000),
  /**
   * Added to the chain height to get the height whose FluxOS rules (spec versions, limits, prices)
   * apply. 0 on mainnet. A devchain starts at height 0 but should behave like today's network, the
   * way a regtest chain activates every fork from its start: set it to e.g. 2200000 there.
   */
  RULES_HEIGHT_OFFSET: envNumber(z.coerce.number().int().nonnegative()).default(0),
  /** Accept message timestamps up to this old (Flux: 1 h); 0 disables the check (replays of archives). */
  MESSAGE_MAX_AGE_MS: envNumber(z.coerce.number().int().nonnegative()).default(3_600_000),
});
export type RegistryConfig = z.infer<typeof RegistryConfig>;
