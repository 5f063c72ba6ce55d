import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deterministicId, makeEvent, Subjects, type FluxBenchBenchmarks, type Tier } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore } from '@fluxplane/eventstore';
import { CONFIG, errorText, LOGGER, ProjectionHost, ReconcileLoop, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import { decideBenchmark, type Thresholds } from './domain/thresholds';
import { benchmarkDue, dueAt, retryDelayMs, type BenchPolicy, type LastBenchmark } from './domain/schedule';
import { fromFluxBench } from './domain/measurement';
import { NODE_BENCH_CLIENT, type NodeBenchClient } from './adapters/node-bench.client';
import type { BenchConfig } from './config';
import { benchMetrics } from './metrics';
import { BenchNodesProjection } from './projections/bench-nodes.projection';
import { T } from './projections/tables';

export const THRESHOLDS = Symbol('bench.thresholds');
export const POLICY = Symbol('bench.policy');

interface NodeRow {
  node_id: string;
  tier: Tier;
  registered_event_id: string | null;
  registered_correlation_id: string | null;
  benchmarked: boolean;
  passed: boolean | null;
  benchmarked_at: Date | null;
}

/** A node whose agent did not answer (or had nothing to give) its last ask. Kept in memory. */
export interface Miss {
  misses: number;
  lastError: string;
  nextAttemptAt: number;
}

/** One registered node's benchmark state, for GET /benchmarks. */
export interface NodeBenchState {
  nodeId: string;
  tier: Tier;
  state: 'passed' | 'failed' | 'unbenchmarked';
  benchmarkedAt: string | null;
  /** set while the node's agent does not answer: how often in a row, why, and when it is asked again */
  unreachable: { misses: number; lastError: string; nextAttemptAt: string } | null;
}

const MAX_APPEND_ATTEMPTS = 5;
/** A block registers nodes in a burst: one sweep takes them all. */
const DEBOUNCE_MS = 50;
/**
 * Soonest a sweep wakes itself again: a node the read model still shows due just after it was
 * benchmarked (the projection follows a moment later) is not asked again at once.
 */
const WAKE_MIN_MS = 1000;

/**
 * FluxBench's judge. Every registered node due a benchmark (never benchmarked, failed long enough
 * ago, or passed longer ago than BENCH_INTERVAL_MS) is asked over the bus for its own measurement
 * (its node-agent measures itself), judged against the tier thresholds, and the verdict appended as
 * NodeBenchmarked on the node's stream. Nodes are asked one at a time: on a devnet they share one
 * machine, and parallel measurements would slow each other down.
 *
 * A node whose agent does not answer gets no verdict: it stays unbenchmarked, so nothing is placed on
 * it (a node benchmarked before keeps its last verdict). It is asked again with exponential backoff,
 * logged, counted in `fluxplane_bench_nodes{state="unreachable"}` and listed by GET /benchmarks.
 *
 * The node's stream is the authority on "benchmarked already": it is read right before appending,
 * and the append carries its revision, so a node is never benchmarked twice for one due date even
 * with several bench replicas or a read model that lags.
 */
/** Key of the sweep lease in the bucket fluxplane_projection_leases: one benchmarking replica. */
const SWEEP_LEASE_KEY = 'bench.sweep';

@Injectable()
export class BenchService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ReconcileLoop;
  private readonly misses = new Map<string, Miss>();
  private stopped = false;
  /** The sweep's own wake-up at the next time a node is due. */
  private wake?: NodeJS.Timeout;
  /**
   * One sweeping replica: the stream revision already keeps a node from being benchmarked twice for
   * one due date, but two replicas asking the same node at once double the work a benchmark costs the
   * node (and each may time out for it). Undefined with one process per service (no leases).
   */
  private readonly sweepLease;

  constructor(
    private readonly store: EventStore,
    private readonly db: DataSource,
    projection: BenchNodesProjection,
    projections: ProjectionHost,
    @Inject(NODE_BENCH_CLIENT) private readonly nodes: NodeBenchClient,
    @Inject(THRESHOLDS) private readonly thresholds: Thresholds,
    @Inject(POLICY) private readonly policy: BenchPolicy,
    @Inject(CONFIG) config: BenchConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ReconcileLoop({
      name: 'bench',
      work: () => this.sweep(),
      debounceMs: DEBOUNCE_MS,
      intervalMs: config.BENCH_SWEEP_INTERVAL_MS,
      // No catch-up at start: the node's stream, read before each append, is the authority, so a
      // lagging read model costs at most a wasted ask, never a second benchmark.
      projections,
      logger,
    });
    projection.onNodeRegistered((seq) => this.loop.trigger(SINGLE_KEY, { seq }));
    this.sweepLease = projections.lease(SWEEP_LEASE_KEY, logger.child({ lease: SWEEP_LEASE_KEY }));
  }

  onApplicationBootstrap(): void {
    this.sweepLease?.start((held) => {
      this.logger.info({ held, term: this.sweepLease?.term }, held ? 'sweep lease acquired: benchmarking' : 'sweep lease lost: standing by');
      if (held) this.loop.trigger(SINGLE_KEY);
    });
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true; // ends a sweep between two nodes
    if (this.wake) clearTimeout(this.wake);
    await this.loop.stop();
    await this.sweepLease?.stop();
  }

  /** Every registered, unexpired node and where its benchmark stands. */
  async states(): Promise<NodeBenchState[]> {
    return (await this.registered()).map((n) => {
      const miss = this.misses.get(n.node_id);
      return {
        nodeId: n.node_id,
        tier: n.tier,
        state: !n.benchmarked ? 'unbenchmarked' : n.passed ? 'passed' : 'failed',
        benchmarkedAt: n.benchmarked_at ? new Date(n.benchmarked_at).toISOString() : null,
        unreachable: miss ? { misses: miss.misses, lastError: miss.lastError, nextAttemptAt: new Date(miss.nextAttemptAt).toISOString() } : null,
      };
    });
  }

  private registered(): Promise<NodeRow[]> {
    return this.db.query(
      `SELECT node_id, tier, registered_event_id, registered_correlation_id, benchmarked, passed, benchmarked_at
       FROM ${T.nodes} WHERE NOT expired AND tier IS NOT NULL ORDER BY node_id`);
  }

  private async sweep(): Promise<void> {
    if (this.sweepLease && !this.sweepLease.held) return;
    const nodes = await this.registered();
    const now = Date.now();
    const known = new Set(nodes.map((n) => n.node_id));
    for (const id of this.misses.keys()) if (!known.has(id)) this.misses.delete(id); // expired or reverted
    for (const node of nodes) {
      if (this.stopped) return;
      if (!benchmarkDue(lastOf(node), now, this.policy)) continue;
      const miss = this.misses.get(node.node_id);
      if (miss && miss.nextAttemptAt > Date.now()) continue;
      await this.benchmark(node);
    }
    const after = await this.registered();
    this.report(after);
    this.wakeForNextDue(after);
  }

  /**
   * Sweeps again when the next node is due (a retry after a miss, a failed node's retry, a passed
   * node's re-benchmark), not only at the next periodic sweep: a node that did not answer at its
   * first ask (its agent still starting) is asked again after `retryInMs`, as logged.
   */
  private wakeForNextDue(nodes: NodeRow[]): void {
    const now = Date.now();
    let next = Infinity;
    for (const n of nodes) next = Math.min(next, Math.max(dueAt(lastOf(n), this.policy), this.misses.get(n.node_id)?.nextAttemptAt ?? 0));
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    if (this.stopped || !Number.isFinite(next)) return;
    this.wake = setTimeout(() => { this.wake = undefined; this.loop.trigger(SINGLE_KEY); }, Math.max(WAKE_MIN_MS, next - now));
    this.wake.unref();
  }

  private async benchmark(node: NodeRow): Promise<void> {
    let reply: FluxBenchBenchmarks;
    try {
      reply = await this.nodes.getBenchmarks(node.node_id);
    } catch (err) {
      this.missed(node, `did not answer: ${errorText(err)}`, 'unreachable');
      return;
    }
    const measurement = fromFluxBench(reply);
    if (!measurement) {
      this.missed(node, `answered without a measurement${reply.error ? `: ${reply.error}` : ''}`, 'no_measurement');
      return;
    }
    benchMetrics.asks.inc({ outcome: 'answered' });
    this.misses.delete(node.node_id);

    const subject = Subjects.node(node.node_id);
    const verdict = decideBenchmark(measurement, node.tier, this.thresholds);
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      const read = await this.store.readStream(subject);
      const last = read.events.map((e) => e.event).filter((e) => e.type === 'NodeBenchmarked').at(-1);
      if (last?.type === 'NodeBenchmarked' && !benchmarkDue({ passed: last.data.passed, at: Date.parse(last.time) }, Date.now(), this.policy)) return;
      const cause = node.registered_event_id ?? undefined;
      const event = makeEvent('NodeBenchmarked', subject, {
        nodeId: node.node_id,
        passed: verdict.passed,
        tier: verdict.tier,
        cores: measurement.cores,
        ramMb: measurement.ramMb,
        eps: measurement.eps,
        diskWriteMbps: measurement.diskWriteMbps,
        storageGb: measurement.storageGb,
        benchVersion: reply.bench_version,
        fluxVersion: reply.flux_version,
        ...(reply.architecture ? { architecture: reply.architecture } : {}),
        measuredAt: new Date(reply.time * 1000).toISOString(),
        ...(verdict.reason ? { reason: verdict.reason } : {}),
        // Where the node is and what it is, for placement rules (geolocation, static IP, …).
        ...(reply.traits?.geolocation ? { geolocation: reply.traits.geolocation } : {}),
        ...(reply.traits ? { staticIp: reply.traits.staticIp, datacenter: reply.traits.datacenter, enterprise: reply.traits.enterprise } : {}),
      }, {
        // Same node, same stream state → same id: a retried append after a lost ack is stored once.
        id: deterministicId('NodeBenchmarked', node.node_id, read.revision),
        causationId: cause,
        correlationId: node.registered_correlation_id ?? cause,
      });
      try {
        await this.store.append(subject, [event], read.revision);
        benchMetrics.verdicts.inc({ tier: node.tier, passed: String(verdict.passed) });
        this.logger.info({ nodeId: node.node_id, tier: node.tier, passed: verdict.passed, reason: verdict.reason, measurement }, 'node benchmarked');
        return;
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        // Something else was written for the node (a heartbeat verdict, another bench): look again.
      }
    }
    this.logger.warn({ nodeId: node.node_id }, 'could not record the benchmark: the node stream kept moving');
  }

  private missed(node: NodeRow, error: string, outcome: 'unreachable' | 'no_measurement'): void {
    const misses = (this.misses.get(node.node_id)?.misses ?? 0) + 1;
    const delay = retryDelayMs(misses, this.policy);
    this.misses.set(node.node_id, { misses, lastError: error, nextAttemptAt: Date.now() + delay });
    benchMetrics.asks.inc({ outcome });
    this.logger.warn({ nodeId: node.node_id, tier: node.tier, misses, retryInMs: delay, error },
      node.benchmarked
        ? "node's FluxBench did not give a benchmark; it keeps its last verdict and is asked again later"
        : "node's FluxBench did not give a benchmark; the node stays unbenchmarked (nothing is placed on it) and is asked again later");
  }

  private report(nodes: NodeRow[]): void {
    const count = { passed: 0, failed: 0, unbenchmarked: 0, unreachable: 0 };
    for (const n of nodes) {
      count[!n.benchmarked ? 'unbenchmarked' : n.passed ? 'passed' : 'failed']++;
      if (this.misses.has(n.node_id)) count.unreachable++;
    }
    for (const [state, v] of Object.entries(count)) benchMetrics.nodes.set({ state }, v);
  }
}

function lastOf(n: NodeRow): LastBenchmark | null {
  if (!n.benchmarked || n.passed === null || !n.benchmarked_at) return n.benchmarked ? { passed: false, at: 0 } : null;
  return { passed: n.passed, at: new Date(n.benchmarked_at).getTime() };
}
