import { applyFluxnodeTx, emptyFluxnodeList, payQueueHeads, type CollateralOutput, type FluxnodeList } from './fluxnodes';
import { DEVCHAIN_WALLET_ADDRESS } from './keys';
import { outpointKey, tierOfCollateral, type Block, type TransparentTx } from './types';

/*
 * The state derived from the active chain: the wallet's unspent output, the unspent collateral outputs
 * and the fluxnode list. `applyBlock` is deterministic, so any state can be rebuilt by replaying blocks
 * (checkpoints.ts keeps copies so that a reorganisation need not replay from genesis).
 */

export interface Utxo {
  txid: string;
  n: number;
  valueSat: number;
}

export interface ChainState extends FluxnodeList {
  wallet: Utxo;
  /** next unspent premine output of the genesis coinbase (1..PREMINE_OUTPUTS-1) */
  reserveNext: number;
  genesisTxid: string;
  /** unspent outputs whose value is a collateral amount (txid:n) */
  collaterals: Map<string, CollateralOutput>;
}

export function emptyState(): ChainState {
  return {
    wallet: { txid: '', n: 0, valueSat: 0 },
    reserveNext: 1,
    genesisTxid: '',
    collaterals: new Map(),
    ...emptyFluxnodeList(),
  };
}

/** Apply a block to the derived state (payouts, wallet, collaterals, nodes). Deterministic. */
export function applyBlock(state: ChainState, block: Block): void {
  const height = block.height;
  if (height === 0) {
    const cb = block.tx[0] as TransparentTx;
    state.wallet = { txid: cb.txid, n: 0, valueSat: cb.vout[0]!.valueSat };
    state.genesisTxid = cb.txid;
    state.reserveNext = 1;
    return;
  }
  payQueueHeads(state, height);
  for (const tx of block.tx) {
    if (tx.kind === 'transparent') applyTransparent(state, tx);
    else applyFluxnodeTx(state, state.collaterals, tx, height);
  }
}

function applyTransparent(state: ChainState, tx: TransparentTx): void {
  let spendsWallet = false;
  for (const input of tx.vin) {
    const key = outpointKey(input.txid, input.n);
    if (input.txid === state.wallet.txid && input.n === state.wallet.n) spendsWallet = true;
    if (input.txid === state.genesisTxid) {
      spendsWallet = true;
      state.reserveNext = Math.max(state.reserveNext, input.n + 1);
    }
    // fluxd drops a node from the list when its collateral is spent
    if (state.collaterals.delete(key)) state.nodes.delete(key);
  }
  tx.vout.forEach((out, n) => {
    if (out.script.kind === 'nulldata') return;
    if (spendsWallet && out.script.address === DEVCHAIN_WALLET_ADDRESS) {
      state.wallet = { txid: tx.txid, n, valueSat: out.valueSat };
    } else if (tx.coinbase === undefined && tierOfCollateral(out.valueSat)) {
      state.collaterals.set(outpointKey(tx.txid, n), { valueSat: out.valueSat, script: out.script });
    }
  });
}
