import { Inject, Injectable, Optional } from '@nestjs/common';
import { causedBy, deterministicId, makeEvent, masterLeaseKey, Subjects, type EventOf } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore } from '@fluxplane/eventstore';
import { CONFIG, counter, LOGGER, type Logger } from '@fluxplane/service-kit';
import { ClusterState, decideMaster, DEFAULT_HARDWARE, foldMasters, type Candidate, type ElectionDecision } from '../domain';
import { SyncStatusView } from '../signals/sync-status-view';
import { MasterLeaseWatch } from '../adapters/master-lease-watch';
import { electionConfig, type SchedulerConfig } from '../config';
import type { Cause } from '../projections/scheduler.projection';
import { SchedulerLeadership } from './leadership.service';
import { stampTerm } from './placement-reconciler';

const elections = counter({ name: 'fluxplane_scheduler_masters_elected_total', help: 'MasterElected appended by this elector', labelNames: ['reason'] });
const conflicts = counter({ name: 'fluxplane_scheduler_master_election_conflicts_total', help: 'MasterElected appends refused because the master stream moved (another elector decided)' });
const outcomes = counter({ name: 'fluxplane_scheduler_master_decisions_total', help: 'Master election decisions per g: component', labelNames: ['kind'] });

/** Wait after losing a lease claim to another elector, before reading the master stream again. */
const CLAIM_RETRY_MS = 100;

/** What one run decided: the terms appended, and when the election must run again (a lease to outwait). */
export interface ElectionRun {
  elected: Array<EventOf<'MasterElected'>['data']>;
  wakeAt: number | null;
}

/**
 * Elects the master of each `g:` component of one app: reads the app's master stream (terms), its
 * placements, instance reports and node liveness (the projection), the nodes' sync reports and the
 * leases (in memory), decides with the pure `decideMaster` and appends the new terms with the
 * stream's revision as expected revision. A `ConcurrencyError` means another elector decided
 * meanwhile: read again and decide again.
 */
@Injectable()
export class MasterElector {
  /** When this process first saw each term (`app/component/term`): a lease is outwaited from there at the least. */
  private readonly firstSeen = new Map<string, number>();
  private readonly election;

  constructor(
    private readonly store: EventStore,
    private readonly state: ClusterState,
    private readonly sync: SyncStatusView,
    private readonly leases: MasterLeaseWatch,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly leadership?: SchedulerLeadership,
  ) {
    this.election = electionConfig(config);
  }

  /** Whether the app has an election to run (a live app with `g:` components): `electApp` does nothing otherwise. */
  elects(key: string): boolean {
    const app = this.state.app(key);
    return !!app && !app.expired && app.runtime.components.some((c) => c.data?.syncMode === 'g');
  }

  async electApp(key: string, cause?: Cause): Promise<ElectionRun> {
    const app = this.state.app(key);
    const components = app && !app.expired ? app.runtime.components.filter((c) => c.data?.syncMode === 'g').map((c) => c.name) : [];
    if (!app || components.length === 0) return { elected: [], wakeAt: null };
    const subject = Subjects.master(key);
    for (let attempt = 1; attempt <= this.config.MASTER_ELECT_MAX_ATTEMPTS; attempt++) {
      const read = await this.store.readStream(subject);
      const masters = foldMasters(read.events);
      // The scheduler's memory: placements as decided (ahead of the tables), nodes as projected.
      const placements = this.state.input(key, DEFAULT_HARDWARE).placements;
      const live = new Map(placements.map((p) => {
        const n = this.state.get(p.nodeId);
        return [p.nodeId, !!n && n.up && n.registered && !n.expired];
      }));
      const now = Date.now();
      const events: Array<EventOf<'MasterElected'>> = [];
      let wakeAt: number | null = null;
      for (const component of components) {
        const held = masters.get(component.toLowerCase());
        const current = held ? { ...held, seenAt: this.seen(key, component, held.term, now) } : null;
        const candidates: Candidate[] = placements.map((p) => ({
          nodeId: p.nodeId,
          up: live.get(p.nodeId) ?? false,
          failed: p.status === 'failed' || p.status === 'stopped',
          sync: this.sync.folder(p.nodeId, app.name, component),
        }));
        const decision = decideMaster({ current, lease: this.leases.get(masterLeaseKey(app.name, component)) }, { app: app.name, component, candidates }, now, this.election);
        outcomes.inc({ kind: decision.kind });
        this.note(key, component, decision);
        if (decision.kind === 'wait') wakeAt = Math.min(wakeAt ?? Infinity, decision.until);
        if (decision.kind !== 'elect') continue;
        const e = decision.elected;
        const id = deterministicId('MasterElected', key, component.toLowerCase(), e.term, e.nodeId, read.revision);
        events.push(makeEvent('MasterElected', subject, { ...e, reason: e.reason.slice(0, 200) }, cause ? causedBy(cause, id) : { id }));
      }
      if (events.length === 0) return { elected: [], wakeAt };
      // Fence the old term in the lease first: its late renewals then fail (see MasterLeaseWatch.claim).
      const claimed = await Promise.all(events.map((e) => this.leases.claim(
        { app: e.data.app, component: e.data.component, nodeId: e.data.nodeId, term: e.data.term, renewedAt: new Date(now).toISOString(), leaseMs: e.data.leaseMs },
        masterLeaseKey(e.data.app, e.data.component),
        e.data.leaseMs + this.config.MASTER_LEASE_MARGIN_MS,
      )));
      if (claimed.some((ok) => !ok)) {
        // Another elector holds the claim for this term: give it the time to append, then read again.
        conflicts.inc();
        await new Promise((r) => setTimeout(r, CLAIM_RETRY_MS));
        continue;
      }
      try {
        const term = this.leadership?.fence(`elect masters of ${key}`);
        await this.store.append(subject, stampTerm(events, term), read.revision);
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        conflicts.inc();
        this.logger.debug({ app: key, attempt }, 'master stream moved while electing; deciding again');
        continue;
      }
      for (const e of events) {
        this.firstSeen.set(termKey(key, e.data.component, e.data.term), now);
        elections.inc({ reason: e.data.reason.split(';')[0]! });
        this.logger.info({ app: e.data.app, component: e.data.component, nodeId: e.data.nodeId, term: e.data.term, reason: e.data.reason }, 'master elected');
      }
      return { elected: events.map((e) => e.data), wakeAt };
    }
    throw new Error(`gave up electing a master of ${key} after ${this.config.MASTER_ELECT_MAX_ATTEMPTS} concurrent appends`);
  }

  private seen(app: string, component: string, term: number, now: number): number {
    const k = termKey(app, component, term);
    const at = this.firstSeen.get(k);
    if (at !== undefined) return at;
    this.firstSeen.set(k, now);
    return now;
  }

  /** Logs a waiting or masterless component once per situation, not every pass. */
  private readonly notes = new Map<string, string>();
  private note(app: string, component: string, d: ElectionDecision): void {
    const k = `${app}/${component.toLowerCase()}`;
    const text = d.kind === 'wait' || d.kind === 'none' ? d.reason : '';
    if ((this.notes.get(k) ?? '') === text) return;
    if (text) this.notes.set(k, text);
    else this.notes.delete(k);
    if (text) this.logger.info({ app, component, decision: d.kind }, text);
  }
}

function termKey(app: string, component: string, term: number): string {
  return `${app}/${component.toLowerCase()}/${term}`;
}
