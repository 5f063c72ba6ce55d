import { FLUXNODE_START_TX_TYPE, outpointKey, type Tx } from './types';

/*
 * Transactions waiting for a block, in submission order. A transaction is mined once nothing it
 * depends on is still waiting: its hard dependencies (`deps`, which must be in an *earlier* block:
 * a fluxnode START after its collateral, a CONFIRM after its START, a collateral spend after the
 * node's own transactions) and its inputs (which may come earlier in the *same* block).
 */

export interface MempoolEntry {
  tx: Tx;
  /** txids that must be in an *earlier* block */
  deps: string[];
}

export class Mempool {
  private waiting: MempoolEntry[] = [];

  get entries(): readonly MempoolEntry[] {
    return this.waiting;
  }

  txids(): string[] {
    return this.waiting.map((e) => e.tx.txid);
  }

  add(...entries: MempoolEntry[]): void {
    this.waiting.push(...entries);
  }

  /** Remove and return, in order, every transaction the next block can include. */
  takeMineable(): Tx[] {
    const pending = new Set(this.waiting.map((e) => e.tx.txid));
    const included = new Set<string>();
    const txs: Tx[] = [];
    const rest: MempoolEntry[] = [];
    for (const entry of this.waiting) {
      const blockedByDep = entry.deps.some((d) => pending.has(d));
      const blockedByInput =
        entry.tx.kind === 'transparent' && entry.tx.vin.some((i) => pending.has(i.txid) && !included.has(i.txid));
      if (blockedByDep || blockedByInput) {
        rest.push(entry);
        continue;
      }
      txs.push(entry.tx);
      included.add(entry.tx.txid);
    }
    this.waiting = rest;
    return txs;
  }

  /**
   * Put transactions (a reorganisation's losing branch, in chain order) back in front of the waiting
   * ones, and derive every entry's hard dependencies again from the new order.
   */
  putBackFirst(txs: readonly Tx[]): void {
    const entries: MempoolEntry[] = [...txs.map((tx) => ({ tx, deps: [] })), ...this.waiting];
    this.waiting = entries.map((e, i) => ({ tx: e.tx, deps: depsOf(e.tx, entries.slice(0, i)) }));
  }

  clear(): void {
    this.waiting = [];
  }
}

/** Hard dependencies (must be in an earlier block) of a transaction on earlier mempool entries. */
function depsOf(tx: Tx, earlier: readonly MempoolEntry[]): string[] {
  if (tx.kind === 'transparent') {
    // a collateral spend (node expiry) must follow the node's own transactions
    const spent = new Set(tx.vin.map((i) => outpointKey(i.txid, i.n)));
    return earlier
      .filter((e) => e.tx.kind === 'fluxnode' && spent.has(outpointKey(e.tx.collateral.txid, e.tx.collateral.n)))
      .map((e) => e.tx.txid);
  }
  const key = outpointKey(tx.collateral.txid, tx.collateral.n);
  if (tx.nType === FLUXNODE_START_TX_TYPE) return earlier.filter((e) => e.tx.txid === tx.collateral.txid).map((e) => e.tx.txid);
  return earlier
    .filter((e) => e.tx.kind === 'fluxnode' && e.tx.nType === FLUXNODE_START_TX_TYPE && outpointKey(e.tx.collateral.txid, e.tx.collateral.n) === key)
    .map((e) => e.tx.txid);
}
