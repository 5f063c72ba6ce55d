import { z } from 'zod';

/*
 * Schemas of the fluxd JSON-RPC answers we consume, written from fluxd's own serialisers
 * (RunOnFlux/fluxd: src/rpc/blockchain.cpp blockToJSON/getchaintips, src/rpc/rawtransaction.cpp
 * TxToJSON/ScriptPubKeyToJSON, src/rpc/fluxnode.cpp GetDeterministicListData).
 *
 * Objects are validated, unknown keys are dropped (zod's default), so a newer fluxd that adds fields
 * keeps working. Fields fluxd only emits in some configurations are optional and say so.
 */

const hex = z.string().regex(/^[0-9a-fA-F]*$/, 'expected a hex string');
export const hash256Schema = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected a 64-char hex hash');

/** Outpoint indices are printed by `COutPoint::GetTxIndex()` as a *string* ("0"); accept numbers too. */
const outIndex = z
  .union([z.string().regex(/^\d+$/, 'expected a decimal output index'), z.number().int().nonnegative()])
  .transform((v) => Number(v));

/** Numbers fluxd prints with `std::to_string` (activesince, lastpaid) arrive as strings, or as 0. */
const numberOrNumericString = z
  .union([z.number(), z.string().regex(/^-?\d+$/, 'expected a decimal number')])
  .transform((v) => Number(v));

/** The collateral a fluxnode locks, as the output it spends: in its transactions and in the node list. */
const collateralOutpoint = {
  txhash: hash256Schema,
  outidx: outIndex,
};

export const scriptPubKeySchema = z.object({
  asm: z.string(),
  hex: hex,
  /** absent for scripts without a destination (nulldata, nonstandard) */
  reqSigs: z.number().int().optional(),
  /** pubkeyhash | scripthash | nulldata | pubkey | multisig | nonstandard */
  type: z.string(),
  addresses: z.array(z.string()).optional(),
});
export type FluxdScriptPubKey = z.infer<typeof scriptPubKeySchema>;

export const voutSchema = z.object({
  /** FLUX as a decimal number with 8 places (`ValueFromAmount`) */
  value: z.number(),
  /** satoshis ("zatoshis"); fluxd prints both valueZat and valueSat */
  valueZat: z.number().int().optional(),
  valueSat: z.number().int().nonnegative(),
  n: z.number().int().nonnegative(),
  scriptPubKey: scriptPubKeySchema,
  /** only with -spentindex */
  spentTxId: hash256Schema.optional(),
  spentIndex: z.number().int().optional(),
  spentHeight: z.number().int().optional(),
});
export type FluxdVout = z.infer<typeof voutSchema>;

export const coinbaseVinSchema = z.object({
  coinbase: hex,
  sequence: z.number().int(),
});
export type FluxdCoinbaseVin = z.infer<typeof coinbaseVinSchema>;

export const spendVinSchema = z.object({
  txid: hash256Schema,
  vout: z.number().int().nonnegative(),
  scriptSig: z.object({ asm: z.string(), hex: hex }),
  sequence: z.number().int(),
  /** value, valueSat and address are only present when fluxd runs with -spentindex (insight explorer) */
  value: z.number().optional(),
  valueSat: z.number().int().optional(),
  address: z.string().optional(),
});
export type FluxdSpendVin = z.infer<typeof spendVinSchema>;

export const vinSchema = z.union([coinbaseVinSchema, spendVinSchema]);
export type FluxdVin = z.infer<typeof vinSchema>;

/** Transparent / Overwinter / Sapling transactions (versions 1–4): the Bitcoin-style shape. */
export const transparentTxSchema = z.object({
  txid: hash256Schema,
  version: z.literal([1, 2, 3, 4]),
  overwintered: z.boolean().optional(),
  versiongroupid: z.string().optional(),
  locktime: z.number().int(),
  expiryheight: z.number().int().optional(),
  vin: z.array(vinSchema),
  vout: z.array(voutSchema),
  vJoinSplit: z.array(z.unknown()).optional(),
  valueBalance: z.number().optional(),
  valueBalanceZat: z.number().int().optional(),
  vShieldedSpend: z.array(z.unknown()).optional(),
  vShieldedOutput: z.array(z.unknown()).optional(),
  bindingSig: z.string().optional(),
});
export type FluxdTransparentTx = z.infer<typeof transparentTxSchema>;

/** `CTransaction::TypeToString()` */
export const FLUXNODE_TX_TYPE_START = 'Starting a fluxnode';
export const FLUXNODE_TX_TYPE_CONFIRM = 'Confirming a fluxnode';
/** `FluxnodeUpdateType`: 0 = initial confirm (node enters the list), 1 = periodic update confirm */
export const FLUXNODE_UPDATE_INITIAL_CONFIRM = 0;
export const FLUXNODE_UPDATE_UPDATE_CONFIRM = 1;

/**
 * Fluxnode transactions (version 5, and the upgradeable version 6 for P2SH nodes). fluxd prints no
 * vin/vout for them, only the node fields. `ip` is printed for every type but only a confirm
 * transaction carries one (it is "" in a start transaction).
 */
export const fluxnodeTxSchema = z.object({
  txid: hash256Schema,
  version: z.literal([5, 6]),
  /** "Starting a fluxnode" | "Confirming a fluxnode" | "No type (Error)" */
  type: z.string(),
  /** `COutPoint::ToString()`: "COutPoint(<first 10 hex chars>, n)" (truncated, for display) */
  collateral_output: z.string(),
  /** `COutPoint::ToFullString()`: "COutPoint(<txid>, n)" */
  collateral: z.string().optional(),
  ...collateralOutpoint,
  sigtime: z.number().int(),
  /** base64 */
  sig: z.string(),
  ip: z.string(),
  /** start only (base64 of the public keys) */
  collateral_pubkey: z.string().optional(),
  zelnode_pubkey: z.string().optional(),
  redeemscript: z.string().optional(),
  /** confirm only */
  update_type: z.number().int().optional(),
  /** confirm only: `TierToString(benchmarkTier)` — exact spelling not confirmed from source, e.g. "CUMULUS" */
  benchmark_tier: z.string().optional(),
  benchmark_sigtime: z.number().int().optional(),
  benchmark_sig: z.string().optional(),
});
export type FluxdFluxnodeTx = z.infer<typeof fluxnodeTxSchema>;

export const txSchema = z.discriminatedUnion('version', [transparentTxSchema, fluxnodeTxSchema]);
export type FluxdTx = z.infer<typeof txSchema>;

export const valuePoolSchema = z.object({
  id: z.string(),
  monitored: z.boolean(),
  chainValue: z.number().optional(),
  chainValueZat: z.number().optional(),
  valueDelta: z.number().optional(),
  valueDeltaZat: z.number().optional(),
});

/** How a block was made: "POW" (nonce, solution) before the PON fork, "PON" (collateral, blocksig) after. */
const blockProof = {
  type: z.string().optional(),
  nonce: z.string().optional(),
  solution: z.string().optional(),
  collateral: z.string().optional(),
  blocksig: z.string().optional(),
};

/** `getblock <hash|height> 2` */
export const blockSchema = z.object({
  hash: hash256Schema,
  /** -1 when the block is not on the active chain */
  confirmations: z.number().int(),
  size: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  version: z.number().int(),
  merkleroot: hash256Schema,
  finalsaplingroot: hash256Schema.optional(),
  tx: z.array(txSchema),
  time: z.number().int(),
  ...blockProof,
  bits: z.string(),
  difficulty: z.number(),
  chainwork: z.string(),
  anchor: z.string().optional(),
  valuePools: z.array(valuePoolSchema).optional(),
  /** absent for the genesis block */
  previousblockhash: hash256Schema.optional(),
  /** absent for the tip */
  nextblockhash: hash256Schema.optional(),
});
export type FluxdBlock = z.infer<typeof blockSchema>;

export const chainTipSchema = z.object({
  height: z.number().int().nonnegative(),
  hash: hash256Schema,
  branchlen: z.number().int().nonnegative(),
  status: z.enum(['active', 'valid-fork', 'valid-headers', 'headers-only', 'invalid', 'unknown']),
});
export type FluxdChainTip = z.infer<typeof chainTipSchema>;
export const chainTipsSchema = z.array(chainTipSchema);

/** One entry of `viewdeterministicfluxnodelist` (`GetDeterministicListData`). */
export const fluxnodeListEntrySchema = z.object({
  collateral: z.string(),
  ...collateralOutpoint,
  ip: z.string(),
  network: z.string(),
  added_height: z.number().int(),
  confirmed_height: z.number().int(),
  last_confirmed_height: z.number().int(),
  last_paid_height: z.number().int(),
  /** "CUMULUS" | "NIMBUS" | "STRATUS" */
  tier: z.string(),
  payment_address: z.string(),
  pubkey: z.string(),
  activesince: numberOrNumericString,
  lastpaid: numberOrNumericString,
  /** `FormatMoney(nCollateral)`, e.g. "1000.00"; only when the collateral amount is known */
  amount: z.string().optional(),
  /** position in its tier's payment queue, from 0 */
  rank: z.number().int(),
});
export type FluxdFluxnodeListEntry = z.infer<typeof fluxnodeListEntrySchema>;
export const fluxnodeListSchema = z.array(fluxnodeListEntrySchema);

export const blockCountSchema = z.number().int().nonnegative();

/** The JSON-RPC 1.0 reply envelope bitcoind/fluxd send. */
export const rpcReplySchema = z.object({
  result: z.unknown(),
  error: z.union([z.null(), z.object({ code: z.number().int(), message: z.string() })]).optional(),
  id: z.unknown(),
});
export type RpcReply = z.infer<typeof rpcReplySchema>;

/** Fluxnode (v5/v6) or transparent (v1–4) transaction. */
export function isFluxnodeTx(tx: FluxdTx): tx is FluxdFluxnodeTx {
  return tx.version === 5 || tx.version === 6;
}

export function isTransparentTx(tx: FluxdTx): tx is FluxdTransparentTx {
  return !isFluxnodeTx(tx);
}

export function isCoinbaseVin(vin: FluxdVin): vin is FluxdCoinbaseVin {
  return 'coinbase' in vin;
}
