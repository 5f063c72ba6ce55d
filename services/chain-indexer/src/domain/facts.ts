import { appsAddressesFor, type ChainFactsConfig } from './config';
import { decodeOpReturnMessage } from './op-return';
import { parsePriceMessage, softForkMessage, type PriceValues } from './soft-fork';
import { Overlay, applyStateDelta, type ChainIndexerState, type NodeEntry, type StateDelta } from './state';
import { isCollateralAmount, tierFromCollateral, type Tier } from '@fluxplane/flux-spec';

/*
 * Chain facts from one validated block (fluxd `getblock … 2`), in block order. Pure: no I/O.
 *
 * Nodes follow fluxd: a v5/v6 "Starting a fluxnode" transaction names a collateral outpoint (its value
 * is looked up in the state, since fluxnode transactions carry no amount); "Confirming a fluxnode"
 * with update_type 0 then puts the node in the deterministic list with its ip → `node-registered`.
 * update_type 1 is the periodic re-confirmation (ip may change) → `node-confirmed`. A node leaves
 * when a transaction spends its collateral → `node-expired` (reason collateral-spent), or, when
 * `confirmationExpiryBlocks` is configured, when it was not re-confirmed in time.
 *
 * App payments follow FluxOS explorerService.processStandard: transaction versions 1–4; the value is
 * the sum of the outputs whose first address is an apps address accepted at that height; the message
 * is decoded from the OP_RETURN (see `messageFrom`) and must be exactly 64 characters; height ≥
 * epochStart. Price checks and "each hash indexed once" are left to the consumer (the registry has the
 * hash table and the prices).
 *
 * Price soft forks (see soft-fork.ts): a valid `p_…` message from a foundation multisig to one →
 * `price-soft-fork`. A txid is in one block of a chain, so "stored once per txid" needs no table.
 */

/** Structural input types: `FluxdBlock` from @fluxplane/fluxd-rpc satisfies them. */
export interface FactVout {
  readonly valueSat: number;
  readonly n: number;
  readonly scriptPubKey: { readonly asm: string; readonly addresses?: ReadonlyArray<string> | undefined };
}
export interface FactVin {
  readonly txid?: string;
  readonly vout?: number;
  readonly coinbase?: string;
  /** the spent output's address (fluxd -spentindex); soft forks are recognised by it */
  readonly address?: string;
}
export interface FactTransparentTx {
  readonly txid: string;
  readonly version: number;
  readonly vin: ReadonlyArray<FactVin>;
  readonly vout: ReadonlyArray<FactVout>;
}
export interface FactFluxnodeTx {
  readonly txid: string;
  readonly version: number;
  readonly type: string;
  readonly txhash: string;
  readonly outidx: number;
  readonly ip: string;
  readonly update_type?: number | undefined;
  readonly benchmark_tier?: string | undefined;
}
export type FactTx = FactTransparentTx | FactFluxnodeTx;
export interface FactBlock {
  readonly hash: string;
  readonly height: number;
  readonly tx: ReadonlyArray<FactTx>;
}

export const FLUXNODE_START = 'Starting a fluxnode';
export const FLUXNODE_CONFIRM = 'Confirming a fluxnode';

export function isFluxnodeTx(tx: FactTx): tx is FactFluxnodeTx {
  return tx.version === 5 || tx.version === 6;
}

export interface NodeRegisteredFact {
  readonly kind: 'node-registered';
  /** the collateral outpoint "txid:n" */
  readonly nodeId: string;
  readonly ip: string;
  readonly tier: Tier;
  readonly collateralSat: number;
  /** the initial confirmation transaction */
  readonly txid: string;
  readonly height: number;
}

export interface NodeConfirmedFact {
  readonly kind: 'node-confirmed';
  readonly nodeId: string;
  readonly ip: string;
  readonly previousIp: string;
  readonly txid: string;
  readonly height: number;
}

export interface NodeExpiredFact {
  readonly kind: 'node-expired';
  readonly nodeId: string;
  readonly reason: 'collateral-spent' | 'confirmation-expired';
  /** the spending transaction; null for a confirmation timeout */
  readonly txid: string | null;
  readonly height: number;
}

export interface AppPaymentFact {
  readonly kind: 'app-payment';
  /** the 64-character message: the app message hash */
  readonly hash: string;
  readonly txid: string;
  readonly height: number;
  /** sum of the outputs to accepted apps addresses */
  readonly amountSat: number;
  /** the first apps address paid */
  readonly address: string;
}

/** A price soft fork: from the next block on, app prices use these values. */
export interface PriceSoftForkFact extends PriceValues {
  readonly kind: 'price-soft-fork';
  readonly txid: string;
  readonly height: number;
  /** the decoded OP_RETURN text */
  readonly message: string;
}

/** A fluxnode transaction whose collateral (or start) the state does not know: the indexer began mid-chain or missed a block. */
export interface NodeUnknownCollateralFact {
  readonly kind: 'node-collateral-unknown';
  readonly nodeId: string;
  readonly txid: string;
  readonly height: number;
}

export type ChainFact = NodeRegisteredFact | NodeConfirmedFact | NodeExpiredFact | AppPaymentFact | PriceSoftForkFact | NodeUnknownCollateralFact;

export interface BlockFacts {
  readonly facts: ChainFact[];
  readonly delta: StateDelta;
}

/** The facts of `block` given the state after its parent, and the state change it makes. */
export function extractBlockFacts(block: FactBlock, state: ChainIndexerState, config: ChainFactsConfig): BlockFacts {
  const collaterals = new Overlay(state.collaterals);
  const nodes = new Overlay(state.nodes);
  const facts: ChainFact[] = [];
  const height = block.height;
  const appsAddresses = appsAddressesFor(config, height);
  const foundation = new Set(config.foundationAddresses);

  for (const tx of block.tx) {
    if (isFluxnodeTx(tx)) {
      fluxnodeFacts(tx, height, collaterals, nodes, facts);
      continue;
    }
    for (const input of tx.vin) {
      if (input.txid === undefined || input.vout === undefined) continue;
      const key = `${input.txid}:${input.vout}`;
      const node = nodes.get(key);
      if (node) {
        nodes.delete(key);
        if (node.status === 'confirmed') facts.push({ kind: 'node-expired', nodeId: key, reason: 'collateral-spent', txid: tx.txid, height });
      }
      collaterals.delete(key);
    }
    for (const out of tx.vout) {
      if (isCollateralAmount(out.valueSat)) collaterals.set(`${tx.txid}:${out.n}`, out.valueSat);
    }
    const payment = appPayment(tx, height, appsAddresses, config);
    if (payment) facts.push(payment);
    const priceFork = priceSoftFork(tx, height, foundation);
    if (priceFork) facts.push(priceFork);
  }

  if (config.confirmationExpiryBlocks !== undefined) {
    const limit = config.confirmationExpiryBlocks;
    const expired: string[] = [];
    for (const [key, node] of nodes.entries()) {
      // fluxd's exact boundary (> or ≥) is not confirmed from source; a node is kept for `limit` blocks
      if (node.status === 'confirmed' && node.lastConfirmedHeight !== null && height - node.lastConfirmedHeight > limit) expired.push(key);
    }
    for (const key of expired.sort()) {
      nodes.delete(key);
      facts.push({ kind: 'node-expired', nodeId: key, reason: 'confirmation-expired', txid: null, height });
    }
  }

  return { facts, delta: { collaterals: collaterals.toChanges(), nodes: nodes.toChanges() } };
}

function fluxnodeFacts(tx: FactFluxnodeTx, height: number, collaterals: Overlay<number>, nodes: Overlay<NodeEntry>, facts: ChainFact[]): void {
  const nodeId = `${tx.txhash}:${tx.outidx}`;
  if (tx.type === FLUXNODE_START) {
    if (nodes.has(nodeId)) return; // fluxd rejects a second start for a tracked collateral
    const value = collaterals.get(nodeId);
    const tier = value === undefined ? undefined : tierFromCollateral(value);
    if (value === undefined || tier === undefined) {
      facts.push({ kind: 'node-collateral-unknown', nodeId, txid: tx.txid, height });
      return;
    }
    nodes.set(nodeId, { status: 'started', tier, collateralSat: value, ip: '', startHeight: height, confirmedHeight: null, lastConfirmedHeight: null });
    return;
  }
  if (tx.type !== FLUXNODE_CONFIRM) return;
  const node = nodes.get(nodeId);
  if (!node) {
    facts.push({ kind: 'node-collateral-unknown', nodeId, txid: tx.txid, height });
    return;
  }
  const updateType = tx.update_type ?? 0;
  if (updateType === 0 && node.status === 'started') {
    nodes.set(nodeId, { ...node, status: 'confirmed', ip: tx.ip, confirmedHeight: height, lastConfirmedHeight: height });
    facts.push({ kind: 'node-registered', nodeId, ip: tx.ip, tier: node.tier, collateralSat: node.collateralSat, txid: tx.txid, height });
  } else if (updateType === 1 && node.status === 'confirmed') {
    nodes.set(nodeId, { ...node, ip: tx.ip, lastConfirmedHeight: height });
    facts.push({ kind: 'node-confirmed', nodeId, ip: tx.ip, previousIp: node.ip, txid: tx.txid, height });
  }
}

function appPayment(tx: FactTransparentTx, height: number, appsAddresses: ReadonlySet<string>, config: ChainFactsConfig): AppPaymentFact | undefined {
  if (tx.version < 1 || tx.version > 4 || height < config.epochStart) return undefined;
  let amountSat = 0;
  let address: string | undefined;
  let message = '';
  for (const out of tx.vout) {
    const first = out.scriptPubKey.addresses?.[0];
    if (first !== undefined && appsAddresses.has(first)) {
      amountSat += out.valueSat;
      address ??= first;
    }
    if (config.messageFrom === 'last-output') {
      if (out.scriptPubKey.asm) message = decodeOpReturnMessage(out.scriptPubKey.asm);
    } else if (message.length !== 64) {
      message = decodeOpReturnMessage(out.scriptPubKey.asm);
    }
  }
  if (amountSat <= 0 || address === undefined || message.length !== 64) return undefined;
  return { kind: 'app-payment', hash: message, txid: tx.txid, height, amountSat, address };
}

function priceSoftFork(tx: FactTransparentTx, height: number, foundation: ReadonlySet<string>): PriceSoftForkFact | undefined {
  const message = softForkMessage(tx, foundation);
  const prices = message === undefined ? undefined : parsePriceMessage(message);
  return prices && { kind: 'price-soft-fork', txid: tx.txid, height, message: message!, ...prices };
}

/** {@link extractBlockFacts} plus the next state (copying the maps). */
export function indexBlock(block: FactBlock, state: ChainIndexerState, config: ChainFactsConfig): BlockFacts & { state: ChainIndexerState } {
  const result = extractBlockFacts(block, state, config);
  return { ...result, state: applyStateDelta(state, result.delta) };
}
