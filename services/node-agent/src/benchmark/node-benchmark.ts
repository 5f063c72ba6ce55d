import { Counter, Gauge, Histogram, register } from 'prom-client';
import { Subjects, type Benchmarking, type FluxBenchBenchmarks, type FluxBenchStatus } from '@fluxplane/contracts';
import type { EventStore } from '@fluxplane/eventstore';
import { errorText, type Logger } from '@fluxplane/service-kit';
import type { BenchmarkConfig } from './config';
import { nodeTraits, toBenchmarks, toStatus, type Verdict } from './fluxbench-reply';
import { measureNode, type NodeMeasurement } from './measure';

/** How long a looked-up verdict is reused: getbenchmarks may be asked often (the gateway), verdicts change rarely. */
const VERDICT_TTL_MS = 2000;

const metrics = {
  get runs() {
    return (register.getSingleMetric('fluxplane_node_benchmark_runs_total') as Counter<'outcome'>)
      ?? new Counter({ name: 'fluxplane_node_benchmark_runs_total', help: 'Benchmarks of this node', labelNames: ['outcome'] });
  },
  get duration() {
    return (register.getSingleMetric('fluxplane_node_benchmark_duration_seconds') as Histogram)
      ?? new Histogram({ name: 'fluxplane_node_benchmark_duration_seconds', help: 'Time one benchmark of this node took', buckets: [0.5, 1, 2, 5, 10, 30] });
  },
  get figure() {
    return (register.getSingleMetric('fluxplane_node_benchmark_figure') as Gauge<'figure'>)
      ?? new Gauge({ name: 'fluxplane_node_benchmark_figure', help: 'Last measured figures of this node (eps, ddwrite MB/s, ram GB, storage GB, cores)', labelNames: ['figure'] });
  },
};

/**
 * FluxBench of this node: measures on demand (one measurement at a time; a request during one waits
 * for it), keeps the last result, and answers FluxBench's `getbenchmarks`/`getstatus` with it and the
 * bench service's verdict (read from the node's own event stream). Nothing is measured until someone
 * asks: on a devnet several agents share a machine, and the bench service asks one node at a time,
 * so their measurements do not slow each other down.
 */
export class NodeBenchmark {
  private last: NodeMeasurement | null = null;
  private lastError: string | null = null;
  private inFlight: Promise<NodeMeasurement | null> | null = null;
  private lastVerdict: Verdict | null = null;
  private verdictSeq = 0;
  private verdictCheckedAt = 0;

  constructor(
    private readonly config: BenchmarkConfig,
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly measure: (c: BenchmarkConfig) => Promise<NodeMeasurement> = defaultMeasure,
  ) {}

  get benchmarking(): Benchmarking {
    if (this.inFlight) return 'running';
    if (this.lastError && !this.last) return 'failed';
    return this.last ? 'complete' : 'pending';
  }

  async getBenchmarks(refresh: boolean): Promise<FluxBenchBenchmarks> {
    if (refresh || !this.last) await this.run();
    return toBenchmarks({
      ip: this.config.NODE_IP,
      measurement: this.last,
      verdict: await this.verdict(),
      benchmarking: this.benchmarking,
      error: this.lastError,
      traits: nodeTraits(this.config),
    });
  }

  getStatus(): FluxBenchStatus {
    return toStatus(this.benchmarking, !this.store.nc.isClosed());
  }

  /** One measurement at a time: concurrent askers share the one in flight. */
  run(): Promise<NodeMeasurement | null> {
    this.inFlight ??= this.measureOnce().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  private async measureOnce(): Promise<NodeMeasurement | null> {
    const end = metrics.duration.startTimer();
    try {
      const m = await this.measure(this.config);
      this.last = m;
      this.lastError = null;
      metrics.runs.inc({ outcome: 'ok' });
      const g = metrics.figure;
      g.set({ figure: 'eps' }, m.eps);
      g.set({ figure: 'ddwrite' }, m.ddwriteMbps);
      g.set({ figure: 'ram' }, m.ramGb);
      g.set({ figure: 'storage' }, m.storageGb);
      g.set({ figure: 'cores' }, m.cores);
      this.logger.info({ measurement: m }, 'node benchmarked itself');
      return m;
    } catch (err) {
      // Kept with the last good figures (if any): getbenchmarks says what went wrong in `error`.
      this.lastError = `measurement failed: ${errorText(err)}`;
      metrics.runs.inc({ outcome: 'error' });
      this.logger.error({ err }, 'node benchmark failed');
      return null;
    } finally {
      end();
    }
  }

  /**
   * The last NodeBenchmarked of this node, if any. The node's stream is read from where the last
   * look ended, so a long-lived node does not re-read its history on every request.
   */
  private async verdict(): Promise<Verdict | null> {
    const now = Date.now();
    if (now - this.verdictCheckedAt < VERDICT_TTL_MS) return this.lastVerdict;
    try {
      const read = await this.store.readStream(Subjects.node(this.config.NODE_ID), { afterSeq: this.verdictSeq });
      for (const { seq, event } of read.events) {
        this.verdictSeq = seq;
        if (event.type === 'NodeBenchmarked') this.lastVerdict = { passed: event.data.passed, tier: event.data.tier, reason: event.data.reason };
      }
      this.verdictCheckedAt = now;
    } catch (err) {
      this.logger.warn({ err }, 'could not read this node\'s benchmark verdict; answering the last one known');
    }
    return this.lastVerdict;
  }
}

function defaultMeasure(c: BenchmarkConfig): Promise<NodeMeasurement> {
  return measureNode({ dataDir: c.DATA_DIR, cpuMs: c.BENCH_CPU_MS, maxPrime: c.BENCH_EPS_MAX_PRIME, diskMb: c.BENCH_DISK_MB, diskTimeoutMs: c.BENCH_DISK_TIMEOUT_MS });
}
