import { z } from 'zod';
import { FluxMessage } from './events/app';
import { PriceValues } from './price-values';

/**
 * Replies to commands and queries use Flux's own envelope, so the gateway can pass them through:
 * `{status:'success', data}` or `{status:'error', data:{code, name, message}}`.
 */
export const ErrorBody = z.object({ code: z.number().int(), name: z.string(), message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;
export const Reply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: z.unknown() }),
  z.object({ status: z.literal('error'), data: ErrorBody }),
]);
export type Reply<T = unknown> = { status: 'success'; data: T } | { status: 'error'; data: ErrorBody };

export const SubmitAppMessage = z.object({
  message: FluxMessage,
  correlationId: z.string().max(128).optional(),
});
export type SubmitAppMessage = z.infer<typeof SubmitAppMessage>;

/**
 * A filter value from a URL: bounded, and printable (a NUL byte or another control character can
 * name nothing, and Postgres refuses NUL in text, which would surface as an internal error).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const filterText = (max: number) => z.string().max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/**
 * A page of a list query's answer: `limit` rows from `offset` (in the answer's own order, which is
 * stable). Whole lists of a network at Flux's scale do not fit in one NATS message (1 MB by default):
 * the gateway reads them page by page.
 */
const Page = {
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
};

/** The page `q` asks for of `rows` (all of them without `offset`/`limit`). */
export function pageOf<T>(rows: T[], q: { offset?: number; limit?: number }): T[] {
  if (q.offset === undefined && q.limit === undefined) return rows;
  const from = q.offset ?? 0;
  return rows.slice(from, q.limit === undefined ? undefined : from + q.limit);
}

export const AppSpecsQuery = z.object({
  ...Page,
  name: filterText(63).optional(),
  owner: filterText(200).optional(),
  hash: filterText(64).optional(),
});
export type AppSpecsQuery = z.infer<typeof AppSpecsQuery>;

export const AppMessagesQuery = z.object({
  ...Page,
  state: z.enum(['permanent', 'temporary']),
  hash: filterText(64).optional(),
  owner: filterText(200).optional(),
  name: filterText(63).optional(),
});
export type AppMessagesQuery = z.infer<typeof AppMessagesQuery>;

export const AppLocationsQuery = z.object({
  ...Page,
  app: filterText(63).min(1).optional(),
  /** Also instances their owner stopped (still placed): the nodes that answer the owner's routes. */
  stopped: z.boolean().optional(),
});
export type AppLocationsQuery = z.infer<typeof AppLocationsQuery>;

export const AppPricesQuery = z.object({}).passthrough();
export type AppPricesQuery = z.infer<typeof AppPricesQuery>;

/** One entry of a price schedule, in flux-spec's `PriceScheduleEntry` shape (FLUX per month). */
export const PriceEntry = z.object({
  /** a RULES height: the entry applies to payments at rules heights strictly above it */
  height: z.number().int(),
  ...PriceValues,
  minUSDPrice: z.number().nonnegative().optional(),
  /** chain entries only: the soft fork's transaction and its chain height */
  txid: z.string().optional(),
  chainHeight: z.number().int().nonnegative().optional(),
});
export type PriceEntry = z.infer<typeof PriceEntry>;

/**
 * The registry's indexed chain height, and the height whose Flux rules apply to it: the answer of
 * `qry.app-registry.height`, and the heights an answer computed from the registry's state is for.
 */
export const RegistryHeight = z.object({ height: z.number().int(), rulesHeight: z.number().int() });
export type RegistryHeight = z.infer<typeof RegistryHeight>;

/**
 * `qry.app-registry.prices`: the merged schedule (FluxOS's CFG prices plus the chain's price soft
 * forks, by height), with the heights it was read at.
 */
export const AppPrices = z.object({
  ...RegistryHeight.shape,
  schedule: z.array(PriceEntry),
});
export type AppPrices = z.infer<typeof AppPrices>;
