import type { Counter, Histogram } from 'prom-client';
import { counter, gauge, histogram } from '@fluxplane/observability';

/** Several loops (and several app instances in one test process) share one series per metric, told apart by `loop`. */
const labelNames = ['loop'] as const;

/** Each metric once looked up (or made): a lookup builds its configuration (the buckets too), and runs use them thousands of times a second. */
const made: { runs?: Counter<'loop'>; errors?: Counter<'loop'>; duration?: Histogram<'loop'> } = {};

export const reconcileMetrics = {
  get runs() { return (made.runs ??= counter({ name: 'fluxplane_reconcile_runs_total', help: 'Reconcile runs (one key each), failed ones included', labelNames })); },
  get errors() { return (made.errors ??= counter({ name: 'fluxplane_reconcile_errors_total', help: 'Reconcile runs that failed, and full passes whose keys could not be listed', labelNames })); },
  get duration() {
    return (made.duration ??= histogram({
      name: 'fluxplane_reconcile_run_duration_seconds',
      help: 'Time of one reconcile run, waiting for the projections included',
      labelNames,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }));
  },
  get pendingKeys() {
    return gauge({
      name: 'fluxplane_reconcile_pending_keys', help: 'Keys waiting for a run (debouncing, queued, or triggered again during their run)', labelNames,
      collect() { for (const [loop, c] of keyCounts) this.set({ loop }, c.pending); },
    });
  },
  get runningKeys() {
    return gauge({
      name: 'fluxplane_reconcile_running_keys', help: 'Keys being worked right now', labelNames,
      collect() { for (const [loop, c] of keyCounts) this.set({ loop }, c.running); },
    });
  },
};

/**
 * Each loop's pending and running keys, read into the two gauges when metrics are scraped. They
 * change on every trigger and every run (thousands a second in a placement burst), and a labelled
 * gauge set hashes its labels and makes an object each time.
 */
const keyCounts = new Map<string, { pending: number; running: number }>();

/** The counts a loop keeps current (one entry per loop name: loops of one name share their series). */
export function keyCountsOf(loop: string): { pending: number; running: number } {
  let c = keyCounts.get(loop);
  if (!c) keyCounts.set(loop, (c = { pending: 0, running: 0 }));
  return c;
}

/** Registers a loop's series, so dashboards see zeros instead of missing series before its first run. */
export function initReconcileMetrics(loop: string): void {
  reconcileMetrics.runs.inc({ loop }, 0);
  reconcileMetrics.errors.inc({ loop }, 0);
  // Registered with their scrape-time reading of keyCounts.
  void reconcileMetrics.pendingKeys;
  void reconcileMetrics.runningKeys;
  keyCountsOf(loop);
}
