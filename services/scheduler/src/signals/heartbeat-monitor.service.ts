import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { deterministicId, makeEvent, parseHeartbeat, Signals, Subjects, type HeartbeatSignal } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore } from '@fluxplane/eventstore';
import { CONFIG, counter, errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { SchedulerStateReader } from '../projections/scheduler-state.reader';
import { livenessConfig, type SchedulerConfig } from '../config';
import { LivenessTable, recordedLiveness, type LivenessChange, type RecordedLiveness } from '../domain';
import { NotLeaderError, SchedulerLeadership } from '../reconcile/leadership.service';
import { SchedulerProjection } from '../projections/scheduler.projection';

const transitions = counter({ name: 'fluxplane_node_liveness_changes_total', help: 'NodeWentDown / NodeCameBack recorded', labelNames: ['kind'] });
/**
 * Heartbeats handled fine since the last scrape: 12,000 a second on Flux's network, each a labelled
 * counter update (labels hashed, every time) otherwise; added to the counter when it is read.
 */
let okHeartbeats = 0;
const heartbeats = counter({
  name: 'fluxplane_scheduler_heartbeats_total', help: 'Heartbeats handled by the liveness monitor', labelNames: ['outcome'],
  collect() {
    if (okHeartbeats > 0) this.inc({ outcome: 'ok' }, okHeartbeats);
    okHeartbeats = 0;
  },
});

/**
 * Stream reads and appends in flight at once (first heartbeats of a whole network, a mass silence).
 * Each recorded transition is two round trips (read the node's stream, append); at 64 a silence of
 * 1,200 nodes took 19 rounds, spreading NodeWentDown over ~1 s past the threshold on a busy machine.
 */
const IO_CONCURRENCY = 256;

/**
 * Watches node heartbeats (core NATS) and records their consequences as events on the node's
 * stream, by the pure LivenessTable: NodeCameBack when a node is first heard (a node is up only once
 * heard) or has been heard steadily for its probation after being down, NodeWentDown after
 * NODE_DOWN_AFTER_MS of silence. A heartbeat costs no I/O: only a node heard for the first time since
 * start has its stream read (concurrently, bounded), and only transitions are appended.
 *
 * Every scheduler hears the heartbeats (a standby's table is warm when it takes over), but only the
 * active one records; a transition judged while standing by is taken back and judged again later.
 * Each append carries the node stream's revision, and the stream is checked first, so a
 * transition is recorded once whoever judges it.
 */
@Injectable()
export class HeartbeatMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly table: LivenessTable;
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;
  private readonly recording = new Set<string>();
  /** The latest transition that arrived while another one of the same node was being recorded. */
  private readonly queued = new Map<string, LivenessChange>();
  /** Our own NATS connection is down: no heartbeat can reach us, so silence proves nothing. */
  private deaf = false;
  private lastTick = Date.now();
  private readonly io = new Limiter(IO_CONCURRENCY);
  /**
   * What each node's stream said when this process last read or appended to it: a transition is
   * appended at that revision without reading the stream again (one round trip, not two, for each
   * of a mass silence's NodeWentDown). Only ever a guess: the append carries the revision, so a
   * stream that moved since is refused and read afresh; and a guess that says nothing is to be
   * recorded is checked against the stream before anything is skipped.
   */
  private readonly lastRecorded = new Map<string, { state: RecordedLiveness; revision: number }>();

  constructor(
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly repo?: SchedulerStateReader,
    @Optional() private readonly leadership?: SchedulerLeadership,
    @Optional() private readonly projection?: SchedulerProjection,
  ) {
    this.table = new LivenessTable(livenessConfig(config));
  }

  onApplicationBootstrap(): void {
    void this.rememberUpNodes();
    void this.watchConnection();
    this.sub = this.store.nc.subscribe(Signals.heartbeats, { callback: (err, msg) => {
      if (err) return;
      let hb: HeartbeatSignal;
      try {
        // Not the schema's parse: 12,000 a second; the same answer (see parseHeartbeat).
        const r = parseHeartbeat(msg.json());
        if (!r.success) throw r.error;
        hb = r.data;
      } catch (e) {
        heartbeats.inc({ outcome: 'malformed' });
        this.logger.warn({ subject: msg.subject, err: errorText(e) }, 'ignored a malformed heartbeat');
        return;
      }
      // A heartbeat speaks for the node of its subject only: one naming another node would keep a
      // dead node "up" (and makes per-node publish permissions meaningless).
      if (msg.subject !== Signals.heartbeat(hb.nodeId)) {
        heartbeats.inc({ outcome: 'foreign' });
        this.logger.warn({ subject: msg.subject, nodeId: hb.nodeId }, 'ignored a heartbeat for another node than its subject');
        return;
      }
      okHeartbeats++;
      this.heard(hb.nodeId);
    } });
    // A fine tick: a silent node is judged within 100 ms of its threshold (a pass over 12,000 nodes is cheap).
    this.timer = setInterval(() => this.tick(), Math.min(100, Math.floor(this.config.NODE_DOWN_AFTER_MS / 5)));
    this.leadership?.onChange((active) => { if (active) this.tick(); });
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  /** How many nodes the monitor knows (for tests and benchmarks). */
  get watched(): number {
    return this.table.size;
  }

  /**
   * Heartbeats are not stored, so a restarted scheduler has heard nobody, and a node whose agent died
   * while it was down would never be judged: it would stay up with its instances. Nodes the read
   * model counts up (they were heard once) are watched from now on, as if just heard.
   */
  private async rememberUpNodes(): Promise<void> {
    try {
      const now = Date.now();
      for (const n of (await this.repo?.nodes()) ?? []) {
        if (n.up && !this.table.has(n.nodeId)) this.table.restore(n.nodeId, 'up', now);
      }
    } catch (err) {
      this.logger.warn({ err: errorText(err) }, 'could not read which nodes are up; only nodes heard from are watched');
    }
  }

  private heard(nodeId: string): void {
    const now = Date.now();
    const known = this.table.has(nodeId);
    const change = this.table.heard(nodeId, now);
    if (!known) void this.lookUp(nodeId);
    if (change) this.judged(change);
  }

  /** First heartbeat since start: learn what the stream says about this node. */
  private async lookUp(nodeId: string): Promise<void> {
    try {
      const recorded = await this.io.run(() => this.recorded(nodeId));
      const change = this.table.restore(nodeId, recorded.state, Date.now());
      if (change) this.judged(change);
    } catch (err) {
      this.table.forget(nodeId);
      this.logger.warn({ nodeId, err: errorText(err) }, 'could not read the liveness of a node; reading again on its next heartbeat');
    }
  }

  private async watchConnection(): Promise<void> {
    try {
      for await (const s of this.store.nc.status()) {
        if (s.type === 'disconnect') this.deaf = true;
        else if (s.type === 'reconnect') {
          this.deaf = false;
          this.table.forgive(Date.now());
        }
      }
    } catch {
      // The status stream ends with the connection.
    }
  }

  private tick(): void {
    // Judging while WE could not hear would declare every node down at once when our connection
    // comes back (or after this process stalled with heartbeats unread), and unschedule every
    // instance of the network: the silence was ours.
    const now = Date.now();
    const gap = now - this.lastTick;
    this.lastTick = now;
    if (this.deaf) return;
    if (gap > this.config.NODE_DOWN_AFTER_MS / 2) {
      this.table.forgive(now);
      return;
    }
    for (const change of this.table.silent(now)) this.judged(change);
  }

  /** A transition the table judged: recorded when active; taken back (judged again later) when standing by. */
  private judged(change: LivenessChange): void {
    if (this.leadership && !this.leadership.isActive()) {
      this.table.revert(change);
      return;
    }
    void this.record(change);
  }

  /** The node's liveness as its stream says, and the revision to append at. */
  private async recorded(nodeId: string): Promise<{ state: RecordedLiveness; revision: number }> {
    const read = await this.readRecorded(nodeId);
    this.lastRecorded.set(nodeId, read);
    return read;
  }

  private async readRecorded(nodeId: string): Promise<{ state: RecordedLiveness; revision: number }> {
    const subject = Subjects.node(nodeId);
    const last = await this.store.last(subject);
    if (!last) return { state: 'never', revision: 0 };
    if (last.event.type === 'NodeWentDown' || last.event.type === 'NodeCameBack') return { state: recordedLiveness([last.event.type]), revision: last.seq };
    // Something else last (a benchmark): read the whole (short) stream.
    const { events, revision } = await this.store.readStream(subject);
    return { state: recordedLiveness(events.map((e) => e.event.type)), revision };
  }

  private async record(change: LivenessChange): Promise<void> {
    if (this.recording.has(change.nodeId)) {
      // Not dropped: a node back while its going-down is being appended would stay down in the
      // stream for good (the table already counts it up and never reports it again).
      this.queued.set(change.nodeId, change);
      return;
    }
    this.recording.add(change.nodeId);
    const subject = Subjects.node(change.nodeId);
    try {
      await this.io.run(async () => {
        const needed = (state: RecordedLiveness) => (change.kind === 'NodeWentDown' ? state === 'up' : state !== 'up');
        for (let attempt = 1; attempt <= 5; attempt++) {
          const guess = attempt === 1 ? this.lastRecorded.get(change.nodeId) : undefined;
          const { state, revision } = guess && needed(guess.state) ? guess : await this.recorded(change.nodeId);
          // Someone recorded it already; or never heard, so never up (nothing to take down).
          if (!needed(state)) return;
          const term = this.leadership?.fence(`record ${change.kind} of ${change.nodeId}`);
          const meta = { id: deterministicId(change.kind, change.nodeId, revision), ...(term ? { leaderTerm: term } : {}) };
          const event = change.kind === 'NodeWentDown'
            ? makeEvent('NodeWentDown', subject, { nodeId: change.nodeId, lastSeen: new Date(change.lastSeen).toISOString() }, meta)
            : makeEvent('NodeCameBack', subject, { nodeId: change.nodeId }, meta);
          try {
            const stored = await this.store.append(subject, [event], revision);
            this.lastRecorded.set(change.nodeId, { state: change.kind === 'NodeWentDown' ? 'down' : 'up', revision: stored.revision });
            // Decided on now, not when the projection reads it back (see holdOwnLiveness).
            this.projection?.holdOwnLiveness(event, stored.revision);
            transitions.inc({ kind: change.kind });
            this.logger.info({ nodeId: change.nodeId, kind: change.kind }, change.kind === 'NodeWentDown' ? 'node went down (heartbeats stopped)' : 'node is up (heard)');
            return;
          } catch (err) {
            if (!(err instanceof ConcurrencyError)) throw err;
            this.lastRecorded.delete(change.nodeId);
          }
        }
        throw new Error('the node stream kept moving');
      });
    } catch (err) {
      if (!(err instanceof NotLeaderError)) this.logger.warn({ nodeId: change.nodeId, err: errorText(err) }, 'could not record a liveness change; will retry');
      this.table.revert(change);
    } finally {
      this.recording.delete(change.nodeId);
      const next = this.queued.get(change.nodeId);
      this.queued.delete(change.nodeId);
      // Recording is idempotent (it checks the stream first), so the queued change is simply retried.
      if (next) void this.record(next);
    }
  }
}

/** At most `n` tasks at once; the others wait in line. */
class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly n: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
