import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import type { MasterLease } from '@fluxplane/contracts';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { MasterLeases } from '../adapters/master-leases';
import { bootId, monotonicMs, writeFenceFile } from '../adapters/fence-file';
import { fenceLeases } from '../domain/fence-watchdog';
import { EMPTY_LEASE, evolveLease, holdsTerm, lapsesAt, leaseRole, leaseWrite, renewEveryMs, type LeaseEvent, type LeaseRole, type LeaseState } from '../domain/master-lease';
import { appKey } from '../domain/naming';
import { isFenced } from '../domain/reconciler';
import { fencingMetrics } from '../metrics';
import { DesiredStateReader } from '../projections/desired-state.reader';
import { MasterTermsReader } from '../projections/master-terms.reader';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** How often the keeper looks at its leases: renewals due, lapses. A lapse is seen within this. */
export const FENCING_TICK_MS = 100;
/** A failed renewal is tried again this soon (or at the normal period, if that is sooner). */
const RETRY_MS = 250;

/** The node's own monotonic clock, in milliseconds. */
export interface MonotonicClock {
  now(): number;
}
export const PERFORMANCE_CLOCK: MonotonicClock = { now: () => performance.now() };

interface Held {
  app: string;
  component: string;
  lease: LeaseState;
  /** Revision of this node's last successful write (for the next compare-and-set). */
  revision?: number;
  nextRenewAt: number;
  /** The renewal in flight, if any. */
  renewing?: Promise<void>;
  /** What listeners were last told. */
  role: LeaseRole;
  /** The term of this process's last finished renewal attempt (ok or not). */
  attemptedTerm?: number;
}

/**
 * Fencing of the `g:` components placed on this node. It follows the current term of each
 * (MasterTermsReader, fed by the MasterElected projection) and, while this node is the master of
 * that term, writes its lease (`MasterLeases`, compare-and-set) every leaseMs/3, keeping by its own
 * monotonic clock when its last successful renewal was sent. `mayRun` answers, at any instant, the
 * pure rule of domain/master-lease.ts. Every change of the answer (a new term, a first renewal, a
 * lapse, another node's newer lease) is told to the listeners at once: the container reconcile and
 * data sync run then, not at their next period.
 */
@Injectable()
export class MasterFencing {
  private readonly held = new Map<string, Held>();
  private readonly listeners: Array<(app: string, component: string, role: LeaseRole) => void> = [];
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  /** The lease file's content as last written (leases only), to write it again only on a change. */
  private lastFence?: string;
  private loaded = false;
  private readonly bootId = bootId();
  clock: MonotonicClock = PERFORMANCE_CLOCK;

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    private readonly leases: MasterLeases,
    private readonly desired: DesiredStateReader,
    private readonly terms: MasterTermsReader,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Called with a component whose role changed (e.g. to trigger the reconcile loops). */
  onChange(listener: (app: string, component: string, role: LeaseRole) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), FENCING_TICK_MS);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** May this `g:` component run on this node now? Unknown components may not. */
  mayRun(app: string, component: string): boolean {
    return this.role(app, component) === 'master';
  }

  role(app: string, component: string): LeaseRole {
    const h = this.held.get(keyOf(app, component));
    return h ? leaseRole(this.config.NODE_ID, h.lease, this.clock.now()) : 'unelected';
  }

  /**
   * Brings the answers up to date before a container pass: reads the terms again and, for a term of
   * this node not yet renewed by this process (after an agent restart, a new term), waits for the
   * first renewal attempt, so a running master is not stopped only because the agent restarted.
   */
  async settle(): Promise<void> {
    await this.refresh();
    await Promise.all([...this.held.values()].filter((h) => h.renewing && holdsTerm(this.config.NODE_ID, h.lease) && h.lease.renewed?.term !== h.lease.term!.term).map((h) => h.renewing));
  }

  /**
   * Reads again which g: components are placed here and their current terms (after a projection
   * change, and at start). Calls overlapping one in flight cause exactly one more read after it.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.load();
        } while (this.refreshAgain);
      } catch (err) {
        this.logger.warn({ err: errorText(err) }, 'cannot read the g: terms; keeping the last ones');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const state = await this.desired.load();
    const gComponents = state.desired.flatMap((d) => d.components.filter(isFenced).map((c) => ({ app: d.app, component: c.name })));
    const terms = await this.terms.terms([...new Set(gComponents.map((g) => appKey(g.app)))]);
    const byKey = new Map(terms.map((t) => [keyOf(t.app, t.component), t]));
    const now = this.clock.now();
    const wanted = new Set<string>();
    for (const g of gComponents) {
      const k = keyOf(g.app, g.component);
      wanted.add(k);
      let h = this.held.get(k);
      if (!h) {
        h = { app: g.app, component: g.component, lease: EMPTY_LEASE, nextRenewAt: now, role: 'unelected' };
        this.held.set(k, h);
      }
      const t = byKey.get(k);
      if (t) this.apply(h, { kind: 'term', term: { term: t.term, nodeId: t.nodeId, leaseMs: t.leaseMs } });
    }
    for (const [k, h] of this.held) {
      if (wanted.has(k)) continue;
      this.held.delete(k);
      fencingMetrics.mayRun.remove({ app: h.app, component: h.component });
      fencingMetrics.term.remove({ app: h.app, component: h.component });
    }
    this.loaded = true;
    this.tick();
  }

  private apply(h: Held, e: LeaseEvent): void {
    const before = h.lease;
    h.lease = evolveLease(this.config.NODE_ID, h.lease, e);
    if (e.kind === 'term' && h.lease !== before) {
      fencingMetrics.term.set({ app: h.app, component: h.component }, h.lease.term!.term);
      this.logger.info({ app: h.app, component: h.component, term: e.term.term, master: e.term.nodeId, leaseMs: e.term.leaseMs }, 'new term of a g: component');
      // A new term of ours: renew (the first write of the term) at once.
      if (holdsTerm(this.config.NODE_ID, h.lease)) h.nextRenewAt = this.clock.now();
      h.revision = undefined;
    }
  }

  /** Renews what is due and tells the listeners of every role change. */
  tick(): void {
    const now = this.clock.now();
    this.writeFence();
    for (const h of this.held.values()) {
      if (holdsTerm(this.config.NODE_ID, h.lease) && !h.renewing && now >= h.nextRenewAt) h.renewing = this.renew(h).finally(() => { h.renewing = undefined; });
      this.publishRole(h);
    }
  }

  /**
   * Tells the node's fence watchdog (src/fence-watchdog) when each lease of this node lapses, on the
   * machine's monotonic clock: written before the role change is told to the container reconcile, so
   * the watchdog never sees a g: container run without its lease. Written only when it changed.
   */
  private writeFence(): void {
    // Not before the terms were read, nor while a term of ours waits for this process's first renewal
    // (after an agent restart): until then the file of the previous agent, with its lapse, stays true.
    if (!this.loaded) return;
    if ([...this.held.values()].some((h) => holdsTerm(this.config.NODE_ID, h.lease) && h.attemptedTerm !== h.lease.term!.term)) return;
    const held = [...this.held.values()].map((h) => ({ app: h.app, component: h.component, term: h.lease.term?.term ?? 0, lapsesAt: lapsesAt(this.config.NODE_ID, h.lease) }));
    const leases = fenceLeases(held.filter((h) => h.term > 0), this.clock.now(), monotonicMs());
    // Rounded: the same lapse converted twice may differ by a fraction of a millisecond.
    const key = JSON.stringify(leases.map((l) => [l.app, l.component, l.term, Math.round(l.lapsesAt)]));
    if (key === this.lastFence) return;
    try {
      writeFenceFile(this.config.DATA_DIR, { version: 1, nodeId: this.config.NODE_ID, bootId: this.bootId, agentPid: process.pid, leases });
      this.lastFence = key;
    } catch (err) {
      this.logger.error({ err: errorText(err) }, 'cannot write the lease file for the fence watchdog');
    }
  }

  private publishRole(h: Held): void {
    const role = leaseRole(this.config.NODE_ID, h.lease, this.clock.now());
    if (role === h.role) return;
    const was = h.role;
    h.role = role;
    fencingMetrics.mayRun.set({ app: h.app, component: h.component }, role === 'master' ? 1 : 0);
    if ((was === 'master') !== (role === 'master')) fencingMetrics.transitions.inc({ role });
    const log = { app: h.app, component: h.component, term: h.lease.term?.term ?? null, was, role };
    if (was === 'master') this.logger.warn(log, 'g: component fenced: it stops on this node');
    else if (role === 'master') this.logger.info(log, 'g: component may run on this node (master, lease held)');
    else this.logger.info(log, 'g: component role changed');
    for (const l of this.listeners) l(h.app, h.component, role);
  }

  /** One renewal: compare-and-set over our last revision, else over what the KV holds now. */
  private async renew(h: Held): Promise<void> {
    const term = h.lease.term!;
    const sentAt = this.clock.now();
    const every = renewEveryMs(term.leaseMs);
    const lease: MasterLease = { app: h.app, component: h.component, nodeId: this.config.NODE_ID, term: term.term, renewedAt: new Date().toISOString(), leaseMs: term.leaseMs };
    let outcome: 'ok' | 'failed' | 'fenced' = 'failed';
    try {
      outcome = await withTimeout(this.write(h, lease), every, 'lease renewal');
    } catch (err) {
      h.revision = undefined;
      this.logger.warn({ app: h.app, component: h.component, term: term.term, err: errorText(err) }, 'lease renewal failed');
    }
    fencingMetrics.renewals.inc({ outcome });
    if (outcome === 'ok') this.apply(h, { kind: 'renewed', term: term.term, sentAt });
    h.attemptedTerm = term.term;
    h.nextRenewAt = sentAt + (outcome === 'ok' ? every : Math.min(every, RETRY_MS));
    this.writeFence();
    this.publishRole(h);
  }

  private async write(h: Held, lease: MasterLease): Promise<'ok' | 'fenced'> {
    if (h.revision !== undefined) {
      try {
        h.revision = await this.leases.update(lease, h.revision);
        return 'ok';
      } catch {
        // Someone wrote since (or our last write's answer was lost): decide on what is stored now.
        h.revision = undefined;
      }
    }
    const entry = await this.leases.get(lease.app, lease.component);
    // An entry that is not a valid lease is overwritten as if of term 0.
    const stored = entry ? { nodeId: entry.lease?.nodeId ?? '', term: entry.lease?.term ?? 0, revision: entry.revision } : null;
    const w = leaseWrite(this.config.NODE_ID, lease.term, stored);
    if (w.kind === 'fenced') {
      this.apply(h, { kind: 'lease-seen', nodeId: w.nodeId, term: w.term });
      this.logger.warn({ app: h.app, component: h.component, term: lease.term, holder: w.nodeId, holderTerm: w.term }, 'another node holds a newer lease');
      return 'fenced';
    }
    h.revision = w.kind === 'create' ? await this.leases.create(lease) : await this.leases.update(lease, w.revision);
    return 'ok';
  }
}

function keyOf(app: string, component: string): string {
  return `${appKey(app)}/${component.toLowerCase()}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]);
}
