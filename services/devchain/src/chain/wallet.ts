import type { ActiveChain } from './active-chain';
import { DevChainError } from './errors';
import { DEVCHAIN_WALLET_ADDRESS, WALLET } from './keys';
import { PREMINE_OUTPUTS, PREMINE_SAT, TX_EXPIRY_BLOCKS } from './params';
import type { Utxo } from './state';
import { fakeScriptSig, makeTransparentTx } from './txbuild';
import type { Script, TransparentTx, TxOut } from './types';

/**
 * The devchain wallet: it spends a premined output of genesis as a chain of change outputs. It spends
 * its *pending* output, the change of its latest transaction even if that is still in the mempool, so
 * submissions between two blocks chain on each other; when the change is short it merges in the next
 * premine output.
 */
export class DevWallet {
  private pending: Utxo = { txid: '', n: 0, valueSat: 0 };
  private pendingReserve = 1;

  constructor(
    private readonly chain: ActiveChain,
    /** fee of every devchain transaction, in satoshis */
    readonly feeSat: number,
  ) {}

  /** The expiry height of a transaction built now. */
  expiryHeight(): number {
    return this.chain.height + TX_EXPIRY_BLOCKS;
  }

  /** Forget unmined spends: spend from what the active chain says the wallet holds. */
  forgetPending(): void {
    this.pending = { ...this.chain.state.wallet };
    this.pendingReserve = this.chain.state.reserveNext;
  }

  /** A transaction paying `outputs`, then the change, then (if given) `last`, e.g. an OP_RETURN. */
  send(outputs: TxOut[], last?: Script): TransparentTx {
    const inputs: Utxo[] = [this.pending];
    let available = this.pending.valueSat;
    const total = outputs.reduce((s, o) => s + o.valueSat, 0) + this.feeSat;
    let reserve = this.pendingReserve;
    if (available < total) {
      // merge in the next premine output
      if (reserve >= PREMINE_OUTPUTS || total > available + PREMINE_SAT) throw new DevChainError('the devchain wallet is exhausted', 409);
      inputs.push({ txid: this.chain.state.genesisTxid, n: reserve, valueSat: PREMINE_SAT });
      available += PREMINE_SAT;
      reserve += 1;
    }
    const vout: TxOut[] = [...outputs, { valueSat: available - total, script: WALLET.script }];
    if (last) vout.push({ valueSat: 0, script: last });
    const tx = makeTransparentTx({
      vin: inputs.map((u) => ({ txid: u.txid, n: u.n, valueSat: u.valueSat, address: DEVCHAIN_WALLET_ADDRESS, scriptSig: fakeScriptSig(`${u.txid}:${u.n}`, WALLET.pubkey) })),
      vout,
      locktime: 0,
      expiryheight: this.expiryHeight(),
    });
    this.pending = { txid: tx.txid, n: outputs.length, valueSat: available - total };
    this.pendingReserve = reserve;
    return tx;
  }
}
