import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';

export const IndexerConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16142),
  FLUXD_RPC_URL: z.url().default('http://127.0.0.1:16124'),
  FLUXD_RPC_USER: z.string().optional(),
  FLUXD_RPC_PASSWORD: z.string().optional(),
  /** Which chain parameters apply: apps addresses by height, epoch start. */
  CHAIN_PROFILE: z.enum(['mainnet', 'devchain']).default('devchain'),
  /** First height to index on an empty store. */
  START_HEIGHT: envNumber(z.coerce.number().int().nonnegative().optional()),
  POLL_INTERVAL_MS: envNumber(z.coerce.number().int().positive().default(1000)),
  /** Blocks kept with their state change, so a reorganisation this deep can be undone. */
  REORG_WINDOW: envNumber(z.coerce.number().int().positive().default(200)),
  /** Full state snapshot every this many blocks; blocks in between are replayed from their deltas. */
  SNAPSHOT_EVERY: envNumber(z.coerce.number().int().positive().default(500)),
  /** Retry delays when fluxd is down, stalls or answers garbage: exponential from INITIAL to MAX, jittered. */
  RPC_BACKOFF_INITIAL_MS: envNumber(z.coerce.number().int().positive().default(200)),
  RPC_BACKOFF_MAX_MS: envNumber(z.coerce.number().int().positive().default(10_000)),
  /** An RPC call (or batch) that has not answered in this time counts as a failure (a stalled node). */
  RPC_TIMEOUT_MS: envNumber(z.coerce.number().int().positive().default(30_000)),
  /** Blocks fetched per JSON-RPC batch and committed per Postgres transaction. */
  BATCH_BLOCKS: envNumber(z.coerce.number().int().positive().max(5000).default(250)),
  /** /health reports the indexer down when no indexing round has completed for this long. */
  STALE_AFTER_MS: envNumber(z.coerce.number().int().positive().default(60_000)),
  /** Batches requested ahead of the one being indexed. */
  PREFETCH_BATCHES: envNumber(z.coerce.number().int().min(1).max(8).default(2)),
});
export type IndexerConfig = z.infer<typeof IndexerConfig>;
