/** When nodes are benchmarked again, and how long to wait after a node did not answer. */
export interface BenchPolicy {
  /** A node that passed is benchmarked again after this long (FluxBench re-runs its tests). */
  rebenchmarkMs: number;
  /** A node that failed is benchmarked again after this long (it may have been measured while busy). */
  retryFailedMs: number;
  /** First wait after a node did not answer; doubled per further miss, up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
}

/** The last verdict on a node: whether it passed, and when (unix ms). */
export interface LastBenchmark {
  passed: boolean;
  at: number;
}

/** Whether a node is due a benchmark now: never benchmarked, or its last verdict is old enough. */
export function benchmarkDue(last: LastBenchmark | null, now: number, p: BenchPolicy): boolean {
  return now >= dueAt(last, p);
}

/** When a node is next due (unix ms): at once when never benchmarked, else its last verdict plus that verdict's wait. */
export function dueAt(last: LastBenchmark | null, p: BenchPolicy): number {
  if (!last) return 0;
  return last.at + (last.passed ? p.rebenchmarkMs : p.retryFailedMs);
}

/** Wait after the `misses`-th consecutive time a node did not answer (1 = the first miss). */
export function retryDelayMs(misses: number, p: BenchPolicy): number {
  const exp = Math.min(Math.max(misses, 1) - 1, 30);
  return Math.min(p.retryMaxMs, p.retryMinMs * 2 ** exp);
}
