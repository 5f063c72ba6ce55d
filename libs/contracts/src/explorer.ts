import { z } from 'zod';
import { Hash64, Tier } from './define-event';

/*
 * Explorer queries answered by chain-indexer from its own state (request/reply, Flux envelope).
 */

export const ExplorerHeightQuery = z.object({}).passthrough();
/** FluxOS `/explorer/scannedheight` data. */
export const ExplorerHeight = z.object({ generalScannedHeight: z.number().int(), hash: z.string().nullable() });
export type ExplorerHeight = z.infer<typeof ExplorerHeight>;

export const ExplorerNodesQuery = z.object({ tier: Tier.optional() });
export type ExplorerNodesQuery = z.infer<typeof ExplorerNodesQuery>;
export const ExplorerNode = z.object({
  nodeId: z.string(),
  /** the collateral outpoint, FluxOS style */
  collateral: z.string(),
  txhash: z.string(),
  outidx: z.number().int(),
  ip: z.string(),
  tier: Tier,
  collateralSat: z.number().int(),
  confirmedHeight: z.number().int(),
  lastConfirmedHeight: z.number().int(),
});
export type ExplorerNode = z.infer<typeof ExplorerNode>;

/** Payments of some app message hashes (an app's hashes come from the registry). */
export const ExplorerPaymentsQuery = z.object({ hashes: z.array(Hash64).max(10_000) });
export type ExplorerPaymentsQuery = z.infer<typeof ExplorerPaymentsQuery>;
export const ExplorerPayment = z.object({
  hash: Hash64,
  txid: z.string(),
  height: z.number().int(),
  amountSat: z.number().int(),
  address: z.string(),
});
export type ExplorerPayment = z.infer<typeof ExplorerPayment>;
