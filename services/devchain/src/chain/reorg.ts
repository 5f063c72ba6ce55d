import type { ActiveChain } from './active-chain';
import { DevChainError } from './errors';
import type { Mempool } from './mempool';
import type { Block } from './types';
import type { DevWallet } from './wallet';

/*
 * Reorganisations: `reorg(depth)` replaces the last `depth` blocks by a new branch one block longer.
 * Mode "remine" (default) puts the losing branch's transactions back in the mempool in order, so the
 * new branch re-mines them (same txids, new blocks); mode "drop" discards them and the whole mempool.
 * The replaced blocks stay known (getblock by hash, confirmations -1) and their tip is reported by
 * getchaintips as a "valid-fork".
 */

export type ReorgMode = 'remine' | 'drop';

export interface ReorgResult {
  forkHeight: number;
  depth: number;
  mode: ReorgMode;
  oldTip: string;
  newTip: string;
  height: number;
  removed: string[];
  /** losing-branch transactions dropped (mode "drop") or put back in the mempool (mode "remine") */
  transactions: number;
}

export function reorganise(
  parts: { chain: ActiveChain; mempool: Mempool; wallet: DevWallet; mineBlock: () => Block },
  depth: number,
  mode: ReorgMode,
): ReorgResult {
  const { chain, mempool, wallet } = parts;
  if (!Number.isSafeInteger(depth) || depth < 1) throw new DevChainError('depth must be a positive integer');
  if (depth > chain.height) throw new DevChainError(`depth ${depth} exceeds the chain height ${chain.height} (genesis cannot be replaced)`);
  const oldTip = chain.tip.hash;
  const forkHeight = chain.height - depth;
  const removed = chain.cutAbove(forkHeight);
  // the coinbases go with their blocks
  const losing = removed.flatMap((b) => b.tx.slice(1));
  if (mode === 'remine') {
    mempool.putBackFirst(losing);
  } else {
    mempool.clear();
    wallet.forgetPending();
  }
  for (let i = 0; i <= depth; i += 1) parts.mineBlock();
  return {
    forkHeight,
    depth,
    mode,
    oldTip,
    newTip: chain.tip.hash,
    height: chain.height,
    removed: removed.map((b) => b.hash),
    transactions: losing.length,
  };
}
