import { Inject, Injectable } from '@nestjs/common';
import { EventEnvelope } from '@fluxplane/contracts';
import { EventStore, type Lease } from '@fluxplane/eventstore';
import { FluxdBlock, FluxdRpcClient, FluxdRpcError, hash256Schema } from '@fluxplane/fluxd-rpc';
import { CONFIG, counter, errorText, gauge, LOGGER, Logger, ProjectionHost } from '@fluxplane/service-kit';
import {
  backoffMs, ChainFact, ChainFactsConfig, DEVCHAIN_CHAIN_FACTS_CONFIG, extractBlockFacts, forkHeight, invertStateDelta,
  MAINNET_CHAIN_FACTS_CONFIG, MutableChainIndexerState, mutateStateWithDelta, NodeEntry, StateDelta, undoFacts,
} from '../domain';
import type { IndexerConfig } from '../config';
import { blockEvents, emittedFacts, reorgEvent, revertEvents } from './block-events';
import { BlockRow, CursorStore, PaymentRow } from './cursor-store';
import { ChainAppender } from './chain-appender';
import { FLUXD_RPC } from '../adapters/fluxd';

const metric = {
  height: gauge({ name: 'fluxplane_indexer_height', help: 'Height of the last indexed block' }),
  blocks: counter({ name: 'fluxplane_indexer_blocks_total', help: 'Blocks indexed' }),
  rpcErrors: counter({ name: 'fluxplane_indexer_rpc_errors_total', help: 'Failed RPC rounds' }),
  reorgs: counter({ name: 'fluxplane_indexer_reorgs_total', help: 'Reorganisations rolled back' }),
  reverted: counter({ name: 'fluxplane_indexer_reverted_blocks_total', help: 'Blocks rolled back' }),
  nodeHeight: gauge({ name: 'fluxplane_indexer_node_height', help: 'Block count of fluxd when last asked' }),
  lag: gauge({ name: 'fluxplane_indexer_lag_blocks', help: 'Blocks fluxd has that are not indexed yet' }),
  active: gauge({ name: 'fluxplane_indexer_active', help: '1 while this replica holds the ingest lease and appends blocks, 0 while it stands by' }),
};

/** Key of the ingest lease in the bucket fluxplane_projection_leases: one appending indexer among the replicas. */
export const INGEST_LEASE_KEY = 'chain_indexer.ingest';

/** Heights asked per getblockhash batch while looking for a fork point. */
const FORK_PROBE = 64;

interface IndexedTip { height: number; hash: string }

/**
 * Follows the chain in batches of blocks. For each batch: blocks fetched with one JSON-RPC batch (the
 * next batch is already being fetched while this one is processed), facts from the pure domain, then
 * ONE Postgres transaction (cursor, per-block state delta and compensating facts, payment hashes,
 * and the batch's events in an outbox), then the events appended to `evt.chain`, pipelined (see
 * ChainAppender). The outbox makes a crash anywhere repairable: at start (and after any failure)
 * the stored events past the cursor's revision are matched by id against the outbox and the rest is
 * appended.
 *
 * Reorganisations are detected by parent hash (a fetched block that does not link to the indexed
 * tip; or, when caught up, a best block hash that differs). The fork point comes from `getchaintips`
 * (our tip as a `valid-fork` with its branch length) or else from comparing kept block hashes with
 * `getblockhash`. The rollback is one transaction: the kept blocks above the fork are undone (state by
 * their inverted deltas, payments forgotten), their compensating events plus ChainReorganized go to
 * the outbox, and the winning branch is then indexed like any new block.
 *
 * Failures (fluxd down, stalling past RPC_TIMEOUT_MS, garbage answers, NATS or Postgres errors) stop
 * the round; the indexer waits with exponential backoff and reloads its state from Postgres, so
 * nothing half-done in memory survives.
 *
 * Replicas: only the holder of the ingest lease (`chain_indexer.ingest`, the service's KvLease)
 * follows fluxd and appends; the others stand by, reloading the committed state from Postgres every
 * poll so their explorer answers and /health stay true, and take over within the lease (+ a poll)
 * once the holder stops renewing. The new holder first moves the Postgres fence to its lease term
 * (`CursorStore.claimWriter`), then reloads and completes the outbox; every commit carries the term,
 * so a deposed holder with a batch in flight can no longer move the cursor, and its appends fail on
 * the expected revision or are deduplicated by event id.
 */
@Injectable()
export class ChainIndexerService {
  private state!: MutableChainIndexerState;
  private tip: IndexedTip | undefined;
  /** Revision of `evt.chain` after our last appended event. */
  private revision = 0;
  private snapshotHeight = -1;
  private needsRecovery = true;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /**
   * The append of the last committed batch, still in flight while the next batch is extracted: it is
   * awaited before anything else is committed (the next commit records the revision it ends at), so
   * appends stay in order and a failure stops the round before anything newer is committed.
   */
  private appending?: Promise<void>;
  private readonly facts: ChainFactsConfig;
  private readonly appender: ChainAppender;
  /** fluxd's block count when last asked; -1 before the first answer. */
  private nodeHeight = -1;
  /** When a round last completed (caught up, or progressed), and why the latest failed. */
  private lastRoundOkAt = Date.now();
  private lastError?: string;
  private readonly lease?: Lease;
  /** The lease term the state was loaded under (null without a lease): every commit is fenced with it. */
  private term: number | null = null;

  constructor(
    store: EventStore,
    private readonly cursors: CursorStore,
    @Inject(FLUXD_RPC) private readonly rpc: FluxdRpcClient,
    @Inject(CONFIG) private readonly config: IndexerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    host: ProjectionHost,
  ) {
    this.facts = config.CHAIN_PROFILE === 'mainnet' ? MAINNET_CHAIN_FACTS_CONFIG : DEVCHAIN_CHAIN_FACTS_CONFIG;
    this.appender = new ChainAppender(store);
    this.lease = host.lease(INGEST_LEASE_KEY, logger.child({ lease: INGEST_LEASE_KEY }));
  }

  /** Whether this replica follows fluxd and appends (always without a lease; while holding it with one). */
  get ingesting(): boolean {
    return !this.lease || this.lease.held;
  }

  get height(): number {
    return this.tip?.height ?? -1;
  }

  get tipHash(): string | null {
    return this.tip?.hash ?? null;
  }

  /**
   * For /health: throws while nothing is indexed, or when no round has completed for
   * STALE_AFTER_MS (fluxd down or answering garbage, Postgres or NATS failing), naming the last error.
   */
  assertHealthy(now = Date.now()): void {
    if (this.height < 0) throw new Error(this.lastError ? `nothing indexed yet: ${this.lastError}` : 'nothing indexed yet');
    const stale = now - this.lastRoundOkAt;
    if (stale > this.config.STALE_AFTER_MS) {
      throw new Error(`no indexing round completed for ${Math.round(stale / 1000)} s (last error: ${this.lastError ?? 'none'}); indexed ${this.height}, fluxd at ${this.nodeHeight}`);
    }
  }

  /** Confirmed nodes of the indexed chain (explorer). */
  confirmedNodes(): Array<[string, NodeEntry]> {
    return this.state ? [...this.state.nodes].filter(([, n]) => n.status === 'confirmed') : [];
  }

  paymentsOf(hashes: string[]): Promise<PaymentRow[]> {
    return this.cursors.payments(hashes);
  }

  async start(): Promise<void> {
    await this.cursors.setup();
    if (this.lease) {
      await this.lease.tryAcquire().catch(() => false);
      this.lease.start((held) => {
        metric.active.set(held ? 1 : 0);
        this.logger.info({ held, term: this.lease?.term }, held ? 'ingest lease acquired: indexing' : 'ingest lease lost: standing by');
        if (held) this.needsRecovery = true; // fence, reload and complete the outbox under the new term
        this.wake?.();
      });
    }
    metric.active.set(this.ingesting ? 1 : 0);
    if (this.ingesting) await this.recover();
    else await this.refreshStandby().catch((err: unknown) => { this.lastError = errorText(err); });
    this.stopping = false;
    this.loop = this.run();
    this.logger.info({ height: this.height, ingesting: this.ingesting }, 'chain indexer started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // Give an append in flight a moment to be acknowledged; then give up on it (the outbox keeps it).
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.appender.close();
    await this.loop;
    // released after the last commit, so the next holder starts from the final cursor
    await this.lease?.stop();
    metric.active.set(0);
  }

  /** A standby's view: the committed cursor and state, reloaded (explorer answers, /health, a warm takeover). */
  private async refreshStandby(): Promise<void> {
    const { cursor, state, snapshotHeight } = await this.cursors.load();
    this.state = state;
    this.snapshotHeight = snapshotHeight;
    this.tip = cursor ? { height: cursor.height, hash: cursor.hash } : undefined;
    this.revision = cursor?.revision ?? 0;
    this.needsRecovery = true;
    metric.height.set(this.height);
  }

  /** Reloads the committed state and completes the outbox (after a crash or a failed round). */
  private async recover(): Promise<void> {
    await this.settleAppend().catch(() => undefined);
    if (this.lease) {
      // Fence first: no commit of an older term lands after this, so what is loaded stays true.
      const term = this.lease.term;
      if (term === 0) throw new Error('the ingest lease was lost before the indexer could take over');
      await this.cursors.claimWriter(term);
      this.term = term;
    }
    const { cursor, state, snapshotHeight, outbox } = await this.cursors.load();
    this.state = state;
    this.snapshotHeight = snapshotHeight;
    this.tip = cursor ? { height: cursor.height, hash: cursor.hash } : undefined;
    this.revision = cursor?.revision ?? 0;
    if (outbox.length) {
      const r = await this.appender.complete(outbox, this.revision);
      this.revision = r.revision;
      if (r.appended) this.logger.warn({ appended: r.appended, of: outbox.length, height: this.height }, 'completed the outbox of an interrupted batch');
      if (r.outOfOrder) this.logger.error({ height: this.height }, 'an interrupted pipelined append left a gap; the missing events were appended after later ones');
    }
    this.needsRecovery = false;
    metric.height.set(this.height);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (!this.ingesting) {
        // Standing by: follow what the holder commits.
        try {
          await this.refreshStandby();
          this.lastRoundOkAt = Date.now();
          this.lastError = undefined;
        } catch (err) {
          this.lastError = errorText(err);
        }
        await this.sleep(this.config.POLL_INTERVAL_MS);
        continue;
      }
      let progressed: boolean;
      try {
        if (this.needsRecovery) await this.recover();
        progressed = await this.syncOnce();
        failures = 0;
        this.lastRoundOkAt = Date.now();
        this.lastError = undefined;
      } catch (err) {
        failures++;
        this.needsRecovery = true;
        this.lastError = errorText(err);
        const rpc = err instanceof FluxdRpcError;
        if (rpc) metric.rpcErrors.inc();
        const wait = backoffMs({ initialMs: this.config.RPC_BACKOFF_INITIAL_MS, maxMs: this.config.RPC_BACKOFF_MAX_MS }, failures);
        this.logger.warn({ err: this.lastError, kind: rpc ? (err as FluxdRpcError).kind : 'internal', failures, retryInMs: wait }, 'indexing round failed');
        await this.sleep(wait);
        continue;
      }
      if (!progressed) await this.sleep(this.config.POLL_INTERVAL_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() { clearTimeout(t); resolve(); }
      this.wake = done;
    });
  }

  /** One round: index up to the node's tip, or roll back a reorganisation. True if anything changed. */
  private async syncOnce(): Promise<boolean> {
    const top = await this.rpc.getBlockCount();
    this.nodeHeight = top;
    metric.nodeHeight.set(top);
    metric.lag.set(Math.max(0, top - this.height));
    if (this.tip && top <= this.tip.height) {
      // Caught up (or the node's chain is shorter): is our tip still on it?
      const remote = top === this.tip.height ? await this.rpc.getBestBlockHash() : undefined;
      if (remote === this.tip.hash) return false;
      await this.rollBack(top);
      return true;
    }
    let next = this.tip ? this.tip.height + 1 : (this.config.START_HEIGHT ?? 0);
    const fetch = (from: number) => {
      const p = this.rpc.getBlocks(range(from, Math.min(from + this.config.BATCH_BLOCKS - 1, top)));
      p.catch(() => undefined); // handled when awaited; not an unhandled rejection if abandoned
      return p;
    };
    // Keep PREFETCH_BATCHES requests in flight, so fluxd renders the next blocks while this
    // process indexes the current ones (a single request ahead left both sides waiting in turn).
    const queue: Array<Promise<FluxdBlock[]>> = [];
    let requested = next;
    const fill = () => {
      while (queue.length < this.config.PREFETCH_BATCHES && requested <= top) {
        queue.push(fetch(requested));
        requested = Math.min(requested + this.config.BATCH_BLOCKS - 1, top) + 1;
      }
    };
    fill();
    let progressed = false;
    try {
      while (queue.length && !this.stopping && this.ingesting) {
        const blocks: FluxdBlock[] = await queue.shift()!;
        const after = next + blocks.length;
        fill();
        const indexed = await this.indexBatch(blocks);
        if (indexed === 0) {
          await this.settleAppend();
          await this.rollBack(top);
          return true;
        }
        progressed = true;
        if (indexed < blocks.length) return true; // the chain changed under the batch: start a new round
        next = after;
      }
    } finally {
      await this.settleAppend();
    }
    return progressed;
  }

  private async settleAppend(): Promise<void> {
    const a = this.appending;
    this.appending = undefined;
    await a;
  }

  /** Indexes the prefix of `blocks` that links to the tip; returns how many blocks that was. */
  private async indexBatch(blocks: FluxdBlock[]): Promise<number> {
    let parent = this.tip;
    const linked: FluxdBlock[] = [];
    for (const b of blocks) {
      if (parent && (b.previousblockhash !== parent.hash || b.height !== parent.height + 1)) break;
      linked.push(b);
      parent = { height: b.height, hash: b.hash };
    }
    if (linked.length === 0) return 0;

    // Facts in block order against the state (mutated in place; a failure below reloads it).
    const extracted: Array<{ block: FluxdBlock; facts: ChainFact[]; delta: StateDelta }> = [];
    for (const block of linked) {
      const { facts, delta } = extractBlockFacts(block, this.state, this.facts);
      mutateStateWithDelta(this.state, delta);
      extracted.push({ block, facts, delta });
    }
    const paid = [...new Set(extracted.flatMap((x) => x.facts.flatMap((f) => (f.kind === 'app-payment' ? [f.hash] : []))))];
    const unconfirmed = paid.length ? await this.cursors.unconfirmedHashes(paid) : new Set<string>();

    const events: EventEnvelope[] = [];
    const rows: BlockRow[] = [];
    const payments: PaymentRow[] = [];
    for (const { block, facts, delta } of extracted) {
      const emitted = emittedFacts(facts, unconfirmed);
      const header = { height: block.height, hash: block.hash, previousHash: block.previousblockhash ?? null, time: block.time, txCount: block.tx.length };
      events.push(...blockEvents(header, emitted, new Set(emitted.flatMap((f) => (f.kind === 'app-payment' ? [f.hash] : [])))));
      rows.push({ height: block.height, hash: block.hash, previousHash: header.previousHash, delta, undo: undoFacts(emitted, delta) });
      for (const f of emitted) if (f.kind === 'app-payment') payments.push({ hash: f.hash, txid: f.txid, height: f.height, amountSat: f.amountSat, address: f.address });
    }
    const last = linked[linked.length - 1]!;
    const from = this.tip?.height ?? -1;
    await this.settleAppend();
    const every = this.config.SNAPSHOT_EVERY;
    const snapshot = Math.floor(last.height / every) > Math.floor(from / every) ? { height: last.height, state: this.state } : undefined;
    await this.cursors.commitBatch({
      cursor: { height: last.height, hash: last.hash, revision: this.revision },
      blocks: rows, payments, outbox: events, snapshot, keepFrom: last.height - this.config.REORG_WINDOW, term: this.term,
    });
    if (snapshot) this.snapshotHeight = snapshot.height;
    this.tip = { height: last.height, hash: last.hash };
    const appending = this.appender.append(events, this.revision).then((revision) => { this.revision = revision; });
    appending.catch(() => undefined); // awaited (and thrown) by settleAppend
    this.appending = appending;
    metric.height.set(last.height);
    metric.lag.set(Math.max(0, this.nodeHeight - last.height));
    metric.blocks.inc(linked.length);
    const facts = events.length - linked.length;
    if (facts > 0) this.logger.debug({ from: linked[0]!.height, to: last.height, facts }, 'blocks indexed');
    return linked.length;
  }

  /** Rolls the indexed chain back to its fork point with the node's active chain (whose tip is `top`). */
  private async rollBack(top: number): Promise<void> {
    const tip = this.tip!;
    const fork = await this.findFork(top);
    if (fork === undefined) {
      throw new Error(`reorganisation deeper than the ${this.config.REORG_WINDOW} kept blocks below height ${tip.height}; reindex from scratch`);
    }
    if (fork.height === tip.height) return; // our tip is still active: the node just moved on between two calls
    const reverted = await this.cursors.blocksAbove(fork.height);
    const events: EventEnvelope[] = [];
    for (const b of reverted) {
      events.push(...revertEvents(b));
      mutateStateWithDelta(this.state, invertStateDelta(b.delta));
    }
    events.push(reorgEvent({ forkHeight: fork.height, oldTipHeight: tip.height, oldTipHash: tip.hash }));
    const snapshot = this.snapshotHeight > fork.height ? { height: fork.height, state: this.state } : undefined;
    await this.cursors.commitRollback({ cursor: { height: fork.height, hash: fork.hash, revision: this.revision }, outbox: events, snapshot, term: this.term });
    if (snapshot) this.snapshotHeight = snapshot.height;
    this.tip = fork;
    this.revision = await this.appender.append(events, this.revision);
    metric.reorgs.inc();
    metric.reverted.inc(reverted.length);
    metric.height.set(fork.height);
    this.logger.warn({ forkHeight: fork.height, oldTip: tip, depth: tip.height - fork.height, events: events.length }, 'chain reorganisation rolled back');
  }

  /** The highest kept block that is still on the node's active chain. */
  private async findFork(top: number): Promise<IndexedTip | undefined> {
    const tip = this.tip!;
    const local = await this.cursors.blockHashes(tip.height - this.config.REORG_WINDOW);
    // getchaintips names our old tip as a fork with its branch length: one call, when it knows it.
    const known = (await this.rpc.getChainTips()).find((t) => t.hash === tip.hash && t.status !== 'active');
    if (known) {
      const h = known.height - known.branchlen;
      if (local.has(h) && h <= top && (await this.rpc.getBlockHash(h)) === local.get(h)) return { height: h, hash: local.get(h)! };
    }
    const lowest = Math.min(...local.keys());
    for (let hi = Math.min(tip.height, top); hi >= lowest; hi -= FORK_PROBE) {
      const heights = range(Math.max(lowest, hi - FORK_PROBE + 1), hi).filter((h) => local.has(h));
      const hashes = await this.rpc.batch(heights.map((h) => ({ method: 'getblockhash', params: [h], schema: hash256Schema })));
      const remote = new Map(heights.map((h, i) => [h, hashes[i]!]));
      const f = forkHeight(new Map(heights.map((h) => [h, local.get(h)!])), remote);
      if (f !== undefined) return { height: f, hash: local.get(f)! };
    }
    return undefined;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
