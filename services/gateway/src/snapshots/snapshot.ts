import { counter } from '@fluxplane/service-kit';
import { viewOf, type CachedView } from './cached-view';

const refreshes = counter({
  name: 'fluxplane_gateway_snapshot_refreshes_total',
  help: 'Snapshot refreshes of the gateway read routes, by snapshot and whether the answer changed',
  labelNames: ['snapshot', 'changed'],
});
const refreshErrors = counter({
  name: 'fluxplane_gateway_snapshot_refresh_errors_total',
  help: 'Failed snapshot refreshes of the gateway read routes (the request that waited gets the error)',
  labelNames: ['snapshot'],
});

export interface SnapshotOptions<T> {
  name: string;
  /** Reads the data from its owning service (one bus round trip). */
  fetch: () => Promise<T>;
  /**
   * What must differ for the answer to count as changed (default: the data itself). The locations'
   * rows carry the time of the answer; they count as unchanged when only that moved.
   */
  identity?: (data: T) => unknown;
  /** A view older than this is replaced even when unchanged (locations: their stamps age). */
  maxViewAgeMs?: number;
  now?: () => number;
}

export interface SnapshotState<T> {
  data: T;
  view: CachedView;
  /** When this view was built (ms). */
  builtAt: number;
  /** Derived answers (one app's locations), dropped with the view. */
  derived: Map<string, CachedView>;
}

/**
 * An in-memory copy of one read model's answer, serialised once. It is refreshed only after it was
 * marked stale (`invalidate`: the owning projection changed, or the bus reconnected), and then
 * lazily: the first read after the change fetches once (reads arriving meanwhile share that fetch),
 * every later read is answered from memory. A read never sees data older than the last invalidation
 * before it began. The periodic safety pass (`revalidate`) fetches in the background instead.
 */
export class Snapshot<T> {
  private state?: SnapshotState<T>;
  private stateGen = -1;
  /** Bumped by every invalidation; a state is current when it was fetched after the last one. */
  private gen = 0;
  private inflight?: Promise<void>;
  private readSinceFetch = false;
  private readonly now: () => number;

  constructor(private readonly opts: SnapshotOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  get name(): string {
    return this.opts.name;
  }

  /** The read model changed: the next read waits for a fresh copy. */
  invalidate(): void {
    this.gen++;
  }

  /**
   * The safety net (no change is known): fetch again in the background while reads keep the current
   * copy, which a different answer then replaces. Skipped for a snapshot nobody read since its last
   * fetch. Resolves when done; a failure is passed to `onError`, reads are not failed by it.
   */
  async revalidate(onError: (err: unknown) => void = () => undefined): Promise<void> {
    if (!this.state || !this.readSinceFetch || this.inflight) return;
    this.readSinceFetch = false;
    this.inflight = this.refresh().finally(() => { this.inflight = undefined; });
    await this.inflight.catch(onError);
  }

  /** The current state, fetching it first if it is stale. */
  async current(): Promise<SnapshotState<T>> {
    this.readSinceFetch = true;
    const target = this.gen;
    while (!this.state || this.stateGen < target || this.tooOld(this.state)) {
      await (this.inflight ??= this.refresh().finally(() => { this.inflight = undefined; }));
    }
    return this.state;
  }

  async view(): Promise<CachedView> {
    return (await this.current()).view;
  }

  private tooOld(s: SnapshotState<T>): boolean {
    return this.opts.maxViewAgeMs !== undefined && this.now() - s.builtAt >= this.opts.maxViewAgeMs;
  }

  private async refresh(): Promise<void> {
    const gen = this.gen;
    let data: T;
    try {
      data = await this.opts.fetch();
    } catch (err) {
      refreshErrors.inc({ snapshot: this.opts.name });
      throw err;
    }
    const identity = this.opts.identity ?? ((d: T) => d);
    const prev = this.state;
    const same = prev !== undefined && !this.tooOld(prev) && JSON.stringify(identity(prev.data)) === JSON.stringify(identity(data));
    refreshes.inc({ snapshot: this.opts.name, changed: same ? 'false' : 'true' });
    if (!same) this.state = { data, view: viewOf(data), builtAt: this.now(), derived: new Map() };
    this.stateGen = Math.max(this.stateGen, gen);
  }
}
