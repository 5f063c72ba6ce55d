import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { deterministicId, HeartbeatSignal, makeEvent, Signals, Subjects } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, type Logger } from '@fluxplane/service-kit';
import { Counter, register } from 'prom-client';
import { SchedulerStateRepository } from '../adapters/scheduler-state.repository';
import type { SchedulerConfig } from '../config';
import { LivenessChange, LivenessTable } from './liveness';

const transitions = (register.getSingleMetric('fluxplane_node_liveness_changes_total') as Counter<'kind'>)
  ?? new Counter({ name: 'fluxplane_node_liveness_changes_total', help: 'NodeWentDown / NodeCameBack recorded', labelNames: ['kind'] });

/**
 * Watches node heartbeats (core NATS) and records their consequences as events on the node's
 * stream: NodeWentDown after NODE_DOWN_AFTER_MS of silence, NodeCameBack on the next heartbeat.
 * The scheduler's projection reads them like any event and heals at once. Each append carries the
 * node stream's revision, and the stream is checked first, so replicas or restarts record a
 * transition once.
 */
@Injectable()
export class HeartbeatMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly table = new LivenessTable();
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;
  private readonly recording = new Set<string>();
  /** The latest transition that arrived while another one of the same node was being recorded. */
  private readonly queued = new Map<string, LivenessChange>();
  /** Our own NATS connection is down: no heartbeat can reach us, so silence proves nothing. */
  private deaf = false;
  private lastTick = Date.now();

  constructor(
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly repo?: SchedulerStateRepository,
  ) {}

  onApplicationBootstrap(): void {
    void this.rememberAgents();
    void this.watchConnection();
    this.sub = this.store.nc.subscribe(Signals.heartbeats);
    void (async () => {
      for await (const msg of this.sub!) {
        let hb: HeartbeatSignal;
        try {
          hb = HeartbeatSignal.parse(msg.json());
        } catch (err) {
          this.logger.warn({ subject: msg.subject, err: String((err as Error)?.message ?? err) }, 'ignored a malformed heartbeat');
          continue;
        }
        // A heartbeat speaks for the node of its subject only: one naming another node would keep a
        // dead node "up" (and makes per-node publish permissions meaningless).
        if (msg.subject !== Signals.heartbeat(hb.nodeId)) {
          this.logger.warn({ subject: msg.subject, nodeId: hb.nodeId }, 'ignored a heartbeat for another node than its subject');
          continue;
        }
        try {
          await this.heard(hb.nodeId);
        } catch (err) {
          // A failed stream read (NATS timeout) must not end this loop: every node would then fall
          // silent and be declared down. The node is restored again on its next heartbeat.
          this.logger.warn({ nodeId: hb.nodeId, err: String((err as Error)?.message ?? err) }, 'could not handle a heartbeat');
        }
      }
    })();
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(this.config.NODE_DOWN_AFTER_MS / 5)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  /**
   * Heartbeats are not stored, so a restarted scheduler has heard nobody, and a node whose agent died
   * while it was down would never be judged: its instances would stay placed on a dead node. Nodes
   * whose agent has reported an instance (an agent runs there) and that count as up are watched from
   * now on, as if just heard.
   */
  private async rememberAgents(): Promise<void> {
    try {
      const now = Date.now();
      for (const nodeId of (await this.repo?.upNodesWithAgents()) ?? []) {
        if (!this.table.has(nodeId)) this.table.restore(nodeId, false, now);
      }
    } catch (err) {
      this.logger.warn({ err: String((err as Error)?.message ?? err) }, 'could not read which nodes run an agent; only nodes heard from are watched');
    }
  }

  private async heard(nodeId: string): Promise<void> {
    const now = Date.now();
    if (!this.table.has(nodeId)) {
      // First heartbeat since start: learn what the stream says about this node.
      this.table.restore(nodeId, await this.recordedDown(nodeId), now);
    }
    const change = this.table.heard(nodeId, now);
    if (change) await this.record(change);
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
    for (const change of this.table.silent(Date.now(), this.config.NODE_DOWN_AFTER_MS)) void this.record(change);
  }

  private async recordedDown(nodeId: string): Promise<boolean> {
    const { events } = await this.store.readStream(Subjects.node(nodeId));
    const last = events.map((e) => e.event).filter((e) => e.type === 'NodeWentDown' || e.type === 'NodeCameBack').at(-1);
    return last?.type === 'NodeWentDown';
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
      for (let attempt = 1; attempt <= 5; attempt++) {
        const { events, revision } = await this.store.readStream(subject);
        const last = events.map((e) => e.event).filter((e) => e.type === 'NodeWentDown' || e.type === 'NodeCameBack').at(-1);
        const alreadyDown = last?.type === 'NodeWentDown';
        if ((change.kind === 'NodeWentDown') === alreadyDown) return; // someone recorded it already
        const event = change.kind === 'NodeWentDown'
          ? makeEvent('NodeWentDown', subject, { nodeId: change.nodeId, lastSeen: new Date(change.lastSeen).toISOString() }, { id: deterministicId('NodeWentDown', change.nodeId, revision) })
          : makeEvent('NodeCameBack', subject, { nodeId: change.nodeId }, { id: deterministicId('NodeCameBack', change.nodeId, revision) });
        try {
          await this.store.append(subject, [event], revision);
          transitions.inc({ kind: change.kind });
          this.logger.info({ nodeId: change.nodeId, kind: change.kind }, change.kind === 'NodeWentDown' ? 'node went down (heartbeats stopped)' : 'node came back');
          return;
        } catch (err) {
          if (!(err instanceof ConcurrencyError)) throw err;
        }
      }
    } catch (err) {
      this.logger.warn({ nodeId: change.nodeId, err: String((err as Error)?.message ?? err) }, 'could not record a liveness change; will retry');
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
