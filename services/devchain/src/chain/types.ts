/*
 * The devchain's compact in-memory (and on-disk, JSON lines) representation of blocks and
 * transactions. `render.ts` turns it into fluxd's `getblock … 2` JSON.
 */
import { tierFromCollateral, type Tier } from '@fluxplane/flux-spec';

export type Script =
  | { kind: 'p2pkh'; hash: string; address: string }
  | { kind: 'p2sh'; hash: string; address: string }
  /** OP_RETURN <data>; data is hex */
  | { kind: 'nulldata'; data: string };

export interface TxOut {
  valueSat: number;
  script: Script;
}

export interface TxIn {
  txid: string;
  n: number;
  /** what the spent output held (rendered like fluxd with -spentindex: value, valueSat, address) */
  valueSat: number;
  address: string;
  /** hex of the (fake) scriptSig */
  scriptSig: string;
}

export interface TransparentTx {
  kind: 'transparent';
  txid: string;
  /** Sapling (overwintered v4), the format of every modern Flux transparent transaction */
  version: 4;
  /** hex of the coinbase scriptSig, for the coinbase transaction only */
  coinbase?: string;
  vin: TxIn[];
  vout: TxOut[];
  locktime: number;
  expiryheight: number;
  size: number;
}

export const FLUXNODE_START_TX_TYPE = 2; // 1 << 1
export const FLUXNODE_CONFIRM_TX_TYPE = 4; // 1 << 2

export interface FluxnodeTx {
  kind: 'fluxnode';
  txid: string;
  version: 5;
  nType: typeof FLUXNODE_START_TX_TYPE | typeof FLUXNODE_CONFIRM_TX_TYPE;
  collateral: { txid: string; n: number };
  sigtime: number;
  /** base64 */
  sig: string;
  /** "" in a start transaction (fluxd only carries the ip in confirmations) */
  ip: string;
  /** start: hex of the 33-byte keys */
  collateralPubkey?: string;
  pubkey?: string;
  /** confirm */
  updateType?: 0 | 1;
  benchmarkTier?: number;
  benchmarkSigtime?: number;
  benchmarkSig?: string;
  size: number;
}

export type Tx = TransparentTx | FluxnodeTx;

export interface Block {
  hash: string;
  height: number;
  version: number;
  /** null for genesis */
  prev: string | null;
  merkleroot: string;
  time: number;
  bits: string;
  /** uint256 hex, as fluxd prints it */
  nonce: string;
  /** hex */
  solution: string;
  size: number;
  tx: Tx[];
}

// Tiers and satoshis per FLUX are protocol constants (libs/flux-spec); fluxd's COIN is SATS_PER_FLUX.
export { TIERS, type Tier } from '@fluxplane/flux-spec';
export { SATS_PER_FLUX as COIN } from '@fluxplane/flux-spec';
/** fluxd numbers the tiers 1–3 in `listfluxnodes` and START transactions. */
export const TIER_NUMBER: Record<Tier, number> = { CUMULUS: 1, NIMBUS: 2, STRATUS: 3 };

/** Collateral → tier: the Flux rule, from libs/flux-spec. */
export function tierOfCollateral(sat: number): Tier | undefined {
  return tierFromCollateral(sat);
}

export const outpointKey = (txid: string, n: number): string => `${txid}:${n}`;
