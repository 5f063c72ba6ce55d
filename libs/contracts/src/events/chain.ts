import { z } from 'zod';
import { defineEvent, Hash64, Height, Ip, NodeId, Reason, Tier, Txid } from '../define-event';
import { PriceValues } from '../price-values';

/*
 * Field groups more than one event carries with the same meaning, spread into their schemas (at the
 * same position as before: the field order of a payload does not change).
 */

/** A block's place in the chain: indexed, and reverted again. */
const BlockLink = {
  height: Height,
  hash: z.string().min(1),
  previousHash: z.string().nullable(),
};

/** What the start transaction said about a node: registered, and restored when its expiry is reverted. */
const NodeCollateral = {
  ip: Ip,
  tier: Tier,
  collateralSat: z.number().int().positive(),
};

/** The transaction of a chain fact and its block's height: what its compensating event names. */
const ChainTx = { height: Height, txid: Txid };

/** An app payment: the message hash from its OP_RETURN and its transaction. */
const AppPayment = { hash: Hash64, txid: Txid, height: Height };

/** A block was fully indexed; every fact of the block precedes it on `evt.chain`. */
export const BlockIndexed = defineEvent('BlockIndexed', 1, z.object({
  ...BlockLink,
  time: z.number().int(),
  txCount: z.number().int().nonnegative(),
}));

/** A fluxnode start transaction with a valid collateral; the tier follows from the collateral. */
export const NodeRegistered = defineEvent('NodeRegistered', 1, z.object({
  nodeId: NodeId,
  ...NodeCollateral,
  txid: Txid,
  height: Height,
}));

export const NodeExpired = defineEvent('NodeExpired', 1, z.object({
  nodeId: NodeId,
  height: Height,
  reason: Reason,
}));

/** A payment to the apps address carrying a message hash in its OP_RETURN. Each hash once. */
export const AppPaymentConfirmed = defineEvent('AppPaymentConfirmed', 1, z.object({
  ...AppPayment,
  amountSat: z.number().int().nonnegative(),
  address: z.string().min(1),
}));

/**
 * A price soft fork: a foundation multisig spent to a foundation multisig with an OP_RETURN
 * `p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>]` (FluxOS chainUtilities). From the block
 * after `height` on, app prices use these values (FluxOS: the last schedule entry with
 * `entry.height < tx height` applies). `height` is a chain height; rules-height offsets are the
 * consumer's business. Missing port/scope/staticip are already filled with FluxOS's defaults (2, 6, 3).
 */
export const PriceScheduleChanged = defineEvent('PriceScheduleChanged', 1, z.object({
  ...ChainTx,
  /** the decoded OP_RETURN text, bounded by the script size limit (10,000 bytes) */
  message: z.string().min(1).max(10_000),
  ...PriceValues,
}));

/**
 * The chain switched branch: everything indexed above `forkHeight` is void. Appended by the indexer
 * AFTER the compensating events of every reverted block (newest block first), so when a consumer sees
 * it, its chain facts already equal those of the chain up to `forkHeight`; the winning branch's
 * blocks follow as ordinary BlockIndexed events. Consumers that made decisions of their own from
 * chain facts (app-registry's registrations and expiries) undo those above `forkHeight`.
 */
export const ChainReorganized = defineEvent('ChainReorganized', 1, z.object({
  forkHeight: Height,
  oldTipHeight: Height,
  oldTipHash: z.string(),
  depth: z.number().int().positive(),
}));

/*
 * Compensating events. During a rollback the indexer undoes each block of the losing branch, newest
 * first, by appending the inverse of every event the block yielded (in reverse order) and then
 * BlockReverted. Folding a block's events followed by its compensations leaves any projection as it
 * was before the block.
 */

/** Undoes a NodeRegistered: the node's confirmation left the chain; the node is not in the list. */
export const NodeRegistrationReverted = defineEvent('NodeRegistrationReverted', 1, z.object({
  nodeId: NodeId,
  /** height and txid of the reverted initial confirmation */
  ...ChainTx,
}));

/**
 * Undoes a NodeExpired: the spend of the collateral left the chain, the node is back in the list.
 * Carries what NodeRegistered said about the node, so a consumer that dropped the node can restore it.
 */
export const NodeExpiryReverted = defineEvent('NodeExpiryReverted', 1, z.object({
  nodeId: NodeId,
  /** height of the reverted expiry */
  height: Height,
  ...NodeCollateral,
}));

/** Undoes an AppPaymentConfirmed: the payment's block left the chain; the hash counts as unpaid again. */
export const AppPaymentReverted = defineEvent('AppPaymentReverted', 1, z.object(AppPayment));

/** Undoes a PriceScheduleChanged: the soft fork's block left the chain; its schedule entry is void. */
export const PriceScheduleChangeReverted = defineEvent('PriceScheduleChangeReverted', 1, z.object(ChainTx));

/** Every fact of block `height` has been compensated: the indexed tip is now its parent. */
export const BlockReverted = defineEvent('BlockReverted', 1, z.object(BlockLink));
