import { applyBlock, emptyState, type ChainState } from './state';
import type { Block } from './types';

/** A copy of the state every this many blocks... */
const CHECKPOINT_EVERY = 1000;
/** ...of which the newest this many are kept: reorganisations up to ≈ 5,000 blocks deep skip most of the replay. */
const CHECKPOINTS_KEPT = 5;

/**
 * Copies of the state at every CHECKPOINT_EVERY-th height of the active chain, the newest
 * CHECKPOINTS_KEPT of them: a reorganisation replays from the checkpoint below its fork instead of
 * from genesis (fluxd disconnects blocks with undo data; either way the cost is the depth, not the height).
 */
export class StateCheckpoints {
  private kept: Array<{ height: number; state: ChainState }> = [];

  /** Called with the state right after the active chain's block at `height` was applied. */
  record(height: number, state: ChainState): void {
    if (height === 0 || height % CHECKPOINT_EVERY !== 0) return;
    this.kept.push({ height, state: structuredClone(state) });
    if (this.kept.length > CHECKPOINTS_KEPT) this.kept.shift();
  }

  /**
   * The state after the active chain's block at `height` (the chain is already cut there, so the
   * checkpoints above it are dropped): the newest checkpoint at or below it, plus the blocks since.
   */
  replayTo(height: number, blockAt: (height: number) => Block): ChainState {
    this.kept = this.kept.filter((c) => c.height <= height);
    const from = this.kept[this.kept.length - 1];
    const state = from ? structuredClone(from.state) : emptyState();
    for (let h = from ? from.height + 1 : 0; h <= height; h += 1) applyBlock(state, blockAt(h));
    return state;
  }
}
