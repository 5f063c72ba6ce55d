import { StateCheckpoints } from './checkpoints';
import { applyBlock, emptyState, type ChainState } from './state';
import type { Block } from './types';

/*
 * The block tree the devchain knows: the active chain from genesis, every block ever connected (by
 * hash, so replaced blocks stay readable with confirmations -1), the tips that reorganisations
 * replaced (getchaintips reports them as "valid-fork"), and the state derived from the active chain.
 */

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork';
}

export class ActiveChain {
  private readonly active: Block[] = [];
  private readonly byHash = new Map<string, Block>();
  /** hashes of blocks that were the active tip when a reorg replaced them */
  private readonly staleTips: string[] = [];
  private current: ChainState = emptyState();
  private readonly checkpoints = new StateCheckpoints();

  /** -1 before genesis is connected */
  get height(): number {
    return this.active.length - 1;
  }

  get tip(): Block {
    return this.active[this.active.length - 1]!;
  }

  /** The state after the tip. Mutated only by connecting blocks (and by peekPayee's queue compaction). */
  get state(): ChainState {
    return this.current;
  }

  blockAt(height: number): Block | undefined {
    return this.active[height];
  }

  blockByHash(hash: string): Block | undefined {
    return this.byHash.get(hash);
  }

  isActive(block: Block): boolean {
    return this.active[block.height]?.hash === block.hash;
  }

  chainTips(): ChainTip[] {
    const tips: ChainTip[] = [{ height: this.height, hash: this.tip.hash, branchlen: 0, status: 'active' }];
    for (const hash of this.staleTips) {
      const block = this.byHash.get(hash)!;
      if (this.isActive(block)) continue;
      let cursor: Block | undefined = block;
      while (cursor && !this.isActive(cursor)) cursor = cursor.prev ? this.byHash.get(cursor.prev) : undefined;
      const forkHeight = cursor ? cursor.height : 0;
      tips.push({ height: block.height, hash: block.hash, branchlen: block.height - forkHeight, status: 'valid-fork' });
    }
    return tips.sort((a, b) => b.height - a.height);
  }

  /** Extend the active chain by a block that links to the tip (the caller built it so). */
  connect(block: Block): void {
    this.active.push(block);
    this.byHash.set(block.hash, block);
    applyBlock(this.current, block);
    this.checkpoints.record(block.height, this.current);
  }

  /**
   * Cut the active chain above `forkHeight` and rewind the state to it; the old tip becomes a stale tip.
   * Returns the removed blocks, oldest first.
   */
  cutAbove(forkHeight: number): Block[] {
    this.staleTips.push(this.tip.hash);
    const removed = this.active.splice(forkHeight + 1);
    this.current = this.checkpoints.replayTo(forkHeight, (h) => this.active[h]!);
    return removed;
  }

  /** Replay of a persisted block: appends, or (height ≤ tip) replaces the active chain from that height. */
  load(block: Block): void {
    if (this.active.length === 0) {
      if (block.prev !== null || block.height !== 0) throw new Error('the first persisted block must be a genesis block');
      this.connect(block);
      return;
    }
    if (block.height <= this.height) this.cutAbove(block.height - 1);
    if (block.height !== this.height + 1 || block.prev !== this.tip.hash) {
      throw new Error(`persisted block ${block.hash} at height ${block.height} does not link to ${this.tip.hash}`);
    }
    this.connect(block);
  }
}
