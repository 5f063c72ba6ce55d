import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';

export const StatsConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16140),
  /**
   * How often the network is sampled into the history (at multiples of this, in Unix ms). The
   * devnet and tests set it small.
   */
  STATS_SAMPLE_INTERVAL_MS: envNumber(z.coerce.number().int().min(100).max(86_400_000).default(60_000)),
  /** Samples and activity older than this many days are pruned (fractions allowed; fluxstats keeps 35). */
  STATS_RETENTION_DAYS: envNumber(z.coerce.number().positive().max(3650).default(35)),
  /** How often the pruning runs. */
  STATS_PRUNE_INTERVAL_MS: envNumber(z.coerce.number().int().min(100).max(86_400_000).default(3_600_000)),
});
export type StatsConfig = z.infer<typeof StatsConfig>;
