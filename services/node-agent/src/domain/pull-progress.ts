import type { PullProgress } from '../adapters/container-runtime';

/** How far a pull is, folded from Docker's progress stream (one line per layer event). */
export interface PullState {
  layers: number;
  layersDone: number;
  downloadedBytes: number;
  /** Sum of the sizes of the layers whose size is known so far. */
  totalBytes: number;
}

interface Layer {
  current: number;
  total: number;
  done: boolean;
}

/** Statuses after which a layer needs nothing more from the network. */
const DONE = new Set(['Pull complete', 'Already exists', 'Download complete']);

/** Pure fold of progress events; `state()` is what logs and metrics show. */
export class PullTracker {
  private readonly layers = new Map<string, Layer>();

  add(p: PullProgress): void {
    if (!p.id || !p.status || p.status.startsWith('Pulling from')) return;
    const l = this.layers.get(p.id) ?? { current: 0, total: 0, done: false };
    if (p.status === 'Downloading' && p.progressDetail) {
      l.current = Math.max(l.current, p.progressDetail.current ?? 0);
      l.total = Math.max(l.total, p.progressDetail.total ?? 0);
    }
    if (DONE.has(p.status)) {
      l.done = true;
      l.current = Math.max(l.current, l.total);
    }
    this.layers.set(p.id, l);
  }

  state(): PullState {
    let downloadedBytes = 0;
    let totalBytes = 0;
    let layersDone = 0;
    for (const l of this.layers.values()) {
      downloadedBytes += l.current;
      totalBytes += l.total;
      if (l.done) layersDone++;
    }
    return { layers: this.layers.size, layersDone, downloadedBytes, totalBytes };
  }
}
