import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { errorText } from '@fluxplane/observability';
import type { ProjectionPosition } from './projection-position';
import { initReconcileMetrics, keyCountsOf, reconcileMetrics } from './reconcile-metrics';

/** The key of a loop that has one unit of work (the whole read model). */
export const SINGLE_KEY = '*';

/** What a run is for: the merge of every trigger it answers. */
export interface ReconcileRun<C> {
  key: string;
  /** The latest cause given by a trigger (e.g. the event), to trace the run's effects to it. */
  cause?: C;
  /** True if one of the triggers was the periodic full pass (the safety net), e.g. to verify live state. */
  periodic: boolean;
}

export interface ReconcileTrigger<C> {
  cause?: C;
  /** Stream sequence of the event behind the trigger: the run waits until the projections handled it. */
  seq?: number;
  periodic?: boolean;
  /**
   * Queue the key at once, without its quiet period: a full pass has no burst to coalesce, and at
   * start or on taking over, the quiet period of thousands of keys only delays the first decisions.
   */
  now?: boolean;
}

export interface CatchUpAtStart {
  timeoutMs: number;
  /**
   * True: no run before the projections caught up, however long that takes (acting on a half-replayed
   * read model could remove what is still wanted). False: after `timeoutMs` the loop starts anyway.
   */
  strict: boolean;
}

export interface ReconcileLoopOptions<C> {
  /** Names the loop in logs and in the `loop` label of its metrics. */
  name: string;
  work: (run: ReconcileRun<C>) => Promise<void>;
  /** Every key, for a full pass. Without it the loop has the one key SINGLE_KEY. */
  keys?: () => Promise<readonly string[]>;
  /** Triggers of a key within this quiet period are coalesced into one run. */
  debounceMs: number;
  /** A steady trickle of triggers cannot postpone a key's run longer than this. Default 4 × debounceMs. */
  maxDelayMs?: number;
  /** A full pass this often, in case a trigger was missed (a crash, a bug, an effect undone outside). 0: none. */
  intervalMs: number;
  /** Keys worked at the same time. 1 (the default) makes the whole loop serial. */
  concurrency?: number;
  /** The projections the work reads; needed for `seq` in triggers and for `catchUpAtStart`. */
  projections?: ProjectionPosition;
  catchUpAtStart?: CatchUpAtStart;
  /** How long a run waits for the projections to reach its trigger's `seq` before it fails. */
  waitTimeoutMs?: number;
  logger: Logger;
  /** Replaces the default error log, e.g. to quiet errors during shutdown. */
  onError?: (key: string, err: unknown) => void;
  /**
   * Runs are started for at most this long (ms) per turn of the event loop before the loop lets
   * I/O in. A run's work is synchronous up to its first await (the scheduler decides there):
   * starting thousands back to back holds the process for seconds, and then nothing else is read —
   * not the lease renewal (the active scheduler loses its lease to its own loop), not heartbeats,
   * not acknowledgements. Default 100: far below a lease renewal period, and long enough not to
   * slow a placement burst (20 ms cost about a third of the rate at 12,000 nodes).
   */
  sliceMs?: number;
}

const DEFAULT_SLICE_MS = 100;

interface KeyState<C> {
  /** Debounce timer; set while the key waits for its quiet period to end. */
  timer?: NodeJS.Timeout;
  /** When the current burst of triggers began: bounds the debounce. */
  burstStart?: number;
  queued: boolean;
  running: boolean;
  /** Triggered during its run: exactly one more run follows. */
  again: boolean;
  cause?: C;
  seq: number;
  periodic: boolean;
}

const CATCH_UP_RETRY_MS = 1000;

/**
 * A keyed, debounced reconcile loop. A trigger of a key starts (or extends) its quiet period; then
 * the key queues for one of `concurrency` slots and its work runs. A key never runs twice at once:
 * triggers during its run cause exactly one more run after it. Before a run the loop waits until the
 * projections handled the triggering event, so the work reads what caused it. A failed run is
 * logged and counted; the next trigger or the periodic full pass tries again, so effects converge.
 */
export class ReconcileLoop<C = unknown> {
  private readonly states = new Map<string, KeyState<C>>();
  /** Keys waiting for a run (not running, or triggered again during their run), kept as states change. */
  private pending = 0;
  /**
   * Keys waiting for a slot, in order, read from `head` on: `shift()` copies the whole array once it
   * is large (a full pass over 300,000 keys would copy it for every run).
   */
  private queue: string[] = [];
  private head = 0;
  private readonly runs = new Set<Promise<void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private interval?: NodeJS.Timeout;
  private listing = 0;
  /** When this turn's slice of starting runs began; undefined between slices (see `pump`). */
  private sliceStart?: number;
  private sliceEnd?: NodeJS.Immediate;
  private stopped = false;
  private live = false;
  private startup?: Promise<void>;

  private readonly keyCounts: { pending: number; running: number };
  /** The `loop` label of every run's metrics: one object, not one per run. */
  private readonly labels: { loop: string };

  constructor(private readonly opts: ReconcileLoopOptions<C>) {
    initReconcileMetrics(opts.name);
    this.keyCounts = keyCountsOf(opts.name);
    this.labels = { loop: opts.name };
  }

  /** Catches up (if asked), then runs a full pass and starts the interval. Triggers before are kept. */
  start(): void {
    if (this.startup || this.stopped) return;
    this.startup = this.catchUpThenGoLive();
  }

  /** Something changed for `key`: run it soon. */
  trigger(key: string = SINGLE_KEY, t: ReconcileTrigger<C> = {}): void {
    if (this.stopped) return;
    let st = this.states.get(key);
    if (!st) {
      st = { queued: false, running: false, again: false, seq: 0, periodic: false };
      this.states.set(key, st);
      this.pending++;
    }
    // The latest cause wins: a run is traced to the most recent event that led to it.
    st.cause = t.cause ?? st.cause;
    st.seq = Math.max(st.seq, t.seq ?? 0);
    st.periodic ||= t.periodic ?? false;
    if (st.running) {
      if (!st.again) this.pending++;
      st.again = true;
    } else if (!st.queued && this.live) {
      if (t.now) this.enqueue(key, st);
      else this.debounce(key, st);
    }
    this.report();
  }

  /** Triggers every key (a full pass), queued at once (`now`). */
  triggerAll(t: ReconcileTrigger<C> = {}): void {
    t = { ...t, now: true };
    if (this.stopped) return;
    const list = this.opts.keys;
    if (!list) {
      this.trigger(SINGLE_KEY, t);
      return;
    }
    this.listing++;
    void list()
      .then((keys) => { for (const k of keys) this.trigger(k, t); })
      .catch((err) => this.failed('*', err))
      .finally(() => { this.listing--; this.report(); });
  }

  /** True once the start catch-up is over: from then on triggers lead to runs. */
  get started(): boolean {
    return this.live;
  }

  /** True while a key is pending or running, or a full pass is listing its keys. */
  get busy(): boolean {
    return this.states.size > 0 || this.listing > 0;
  }

  /** Resolves once nothing is pending or running (tests, readiness). */
  idle(): Promise<void> {
    if (!this.busy || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is pending and waits for the runs in progress, at most `waitMs` (default: as long as they take). */
  async stop(waitMs?: number): Promise<void> {
    this.stopped = true;
    this.live = false;
    if (this.interval) clearInterval(this.interval);
    if (this.sliceEnd) clearImmediate(this.sliceEnd);
    this.sliceEnd = undefined;
    this.sliceStart = undefined;
    this.queue = [];
    this.head = 0;
    for (const [key, st] of this.states) {
      if (st.timer) clearTimeout(st.timer);
      if (!st.running || st.again) this.pending--;
      st.again = false;
      if (!st.running) this.states.delete(key);
    }
    this.report();
    const inFlight = Promise.all(this.runs);
    if (waitMs === undefined) await inFlight;
    else await Promise.race([inFlight, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  private async catchUpThenGoLive(): Promise<void> {
    const { projections, catchUpAtStart } = this.opts;
    while (projections && catchUpAtStart && !this.stopped) {
      try {
        await projections.catchUp(catchUpAtStart.timeoutMs);
        break;
      } catch (err) {
        const message = errorText(err);
        if (!catchUpAtStart.strict) {
          this.opts.logger.warn({ loop: this.opts.name, err: message }, 'projections still catching up; reconciling anyway');
          break;
        }
        this.opts.logger.warn({ loop: this.opts.name, err: message }, 'projections not caught up yet; reconciling later');
        await new Promise((r) => setTimeout(r, CATCH_UP_RETRY_MS));
      }
    }
    if (this.stopped) return;
    this.live = true;
    for (const [key, st] of this.states) if (!st.timer && !st.queued && !st.running) this.debounce(key, st);
    this.triggerAll();
    if (this.opts.intervalMs > 0) this.interval = setInterval(() => this.triggerAll({ periodic: true }), this.opts.intervalMs);
    this.opts.logger.info({ loop: this.opts.name, intervalMs: this.opts.intervalMs }, 'reconcile loop started');
  }

  private debounce(key: string, st: KeyState<C>): void {
    const now = Date.now();
    st.burstStart ??= now;
    const maxDelay = this.opts.maxDelayMs ?? this.opts.debounceMs * 4;
    const wait = Math.max(0, Math.min(this.opts.debounceMs, st.burstStart + maxDelay - now));
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => this.enqueue(key, st), wait);
  }

  /** The key's quiet period is over (or skipped): it waits for a slot. */
  private enqueue(key: string, st: KeyState<C>): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = undefined;
    st.burstStart = undefined;
    st.queued = true;
    this.queue.push(key);
    this.pump();
  }

  /** Starts queued keys while slots are free. */
  private pump(): void {
    const slots = this.opts.concurrency ?? 1;
    while (!this.stopped && this.runs.size < slots && this.head < this.queue.length) {
      if (!this.inSlice()) return; // resumed after the event loop's next I/O phase
      const key = this.queue[this.head++]!;
      // Drop the consumed front now and then (at most as much copying as the queue grew by).
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      const st = this.states.get(key)!;
      st.queued = false;
      st.running = true;
      this.pending--; // a queued key is pending (not running, no `again`) until it starts
      const run: ReconcileRun<C> = { key, cause: st.cause, periodic: st.periodic };
      const seq = st.seq;
      st.cause = undefined;
      st.seq = 0;
      st.periodic = false;
      const p: Promise<void> = this.runOnce(run, seq).finally(() => {
        this.runs.delete(p);
        st.running = false;
        if (st.again && !this.stopped) {
          st.again = false;
          this.debounce(key, st);
        } else {
          this.states.delete(key);
        }
        this.pump();
        this.report();
      });
      this.runs.add(p);
    }
    this.report();
  }

  /**
   * True while this turn's slice has time left. The first start of a turn opens a slice, and closes
   * it after the event loop's I/O phase (setImmediate runs in the check phase, after poll), where
   * pumping resumes: between two slices, whatever arrived is read. At least one run per slice.
   */
  private inSlice(): boolean {
    const now = performance.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = now;
      this.sliceEnd = setImmediate(() => {
        this.sliceStart = undefined;
        this.sliceEnd = undefined;
        this.pump();
      });
      return true;
    }
    return now - this.sliceStart < (this.opts.sliceMs ?? DEFAULT_SLICE_MS);
  }

  private async runOnce(run: ReconcileRun<C>, seq: number): Promise<void> {
    const labels = this.labels;
    const started = performance.now();
    reconcileMetrics.runs.inc(labels);
    try {
      if (seq > 0 && this.opts.projections) await this.opts.projections.waitFor(seq, this.opts.waitTimeoutMs ?? 30_000);
      await this.opts.work(run);
    } catch (err) {
      this.failed(run.key, err);
    } finally {
      reconcileMetrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private failed(key: string, err: unknown): void {
    reconcileMetrics.errors.inc({ loop: this.opts.name });
    if (this.opts.onError) this.opts.onError(key, err);
    else if (!this.stopped) this.opts.logger.error({ loop: this.opts.name, key, err: String((err as Error)?.stack ?? err) }, 'reconcile run failed; the next run retries');
  }

  private report(): void {
    // Counted as keys change state, not by walking them: a full pass over thousands of keys would
    // otherwise cost a walk per trigger and per run.
    this.keyCounts.pending = this.pending;
    this.keyCounts.running = this.runs.size;
    if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
