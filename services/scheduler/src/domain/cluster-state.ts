import type { DomainEvent } from '@fluxplane/contracts';
import { TIERS, type Tier } from '@fluxplane/flux-spec';
import { byNodeId, seedOf, type NodeSource } from './candidates';
import { healthProblem, type UsageLookup } from './feasibility';
import { effectiveStatus, type StatusReport } from './placement-state';
import type { PlacementRules } from './placement-rules';
import { add, demandOf, sub, ZERO, type Hardware, type Resources } from './resources';
import type { ReconcileInput, Setback } from './reconcile';
import type { AppView, NodeUsage, NodeView, Placement, Plan } from './types';

/** One placement of an app as the scheduler holds it in memory. */
export interface HeldPlacement {
  specHash: string;
  /** Stream sequence of its InstanceScheduled; `PENDING` while the append is in flight. */
  scheduledSeq: number;
  demand: Resources;
  reason?: string;
}

/** The sequence a reserved placement carries until its append is acknowledged: newer than any report. */
export const PENDING = Number.MAX_SAFE_INTEGER;

interface AppEntry {
  key: string;
  view: AppView | null;
  /** Display name as the placements carry it (when the app row is missing). */
  name: string;
  /** The placement stream's revision this state reflects (stream sequence of its last event). */
  revision: number;
  placements: Map<string, HeldPlacement>;
  reports: Map<string, StatusReport>;
  /** Per node: the spec HAProxy serves it with (InstanceRouted, until InstanceDrained), and that event's seq. */
  routes: Map<string, { specHash: string; seq: number }>;
  setbacks: Setback[];
}

/** What a change asks for: decisions for these apps, or for every app left short of its target. */
export interface Wake {
  apps: string[];
  /** A node gained room or came up: apps that could not be fully placed may fit now. */
  short: boolean;
}

const NONE: Wake = { apps: [], short: false };

/**
 * The scheduler's whole state in memory, indexed so that a decision touches a bounded sample of
 * nodes: nodes per tier, per location (continent and continent_country) and per trait (static IP,
 * datacenter, enterprise), the resources every node holds, each app's placements with their stream
 * revision, and which apps sit on which node (so a node change wakes only the apps it affects).
 *
 * It is a cache of the projection: loaded from its tables at start (consistent with its checkpoint)
 * and then fed every event the projection commits, in stream order. The scheduler's own decisions
 * are reserved here before their append (so the next decision sees their capacity) and confirmed
 * with their stream sequences; an event at or below an app's revision is already held and is skipped,
 * so applying a decision twice (reserved, then delivered) changes nothing. The liveness monitor's own
 * NodeWentDown / NodeCameBack are held the same way, by the node's liveness sequence. Pure: no I/O, no clock.
 */
export class ClusterState implements NodeSource {
  private readonly nodes = new Map<string, NodeView>();
  private readonly apps = new Map<string, AppEntry>();
  private readonly used = new Map<string, NodeUsage>();
  private readonly appsOnNode = new Map<string, Set<string>>();
  /** Index buckets: key → nodes per tier (sorted by id). '' is every node. */
  private readonly buckets = new Map<string, Record<Tier, NodeView[]>>();
  private readonly byIp = new Map<string, Set<string>>();
  private readonly shortApps = new Set<string>();
  /**
   * Stream sequence of the last NodeWentDown / NodeCameBack applied per node: the monitor's own are
   * applied as soon as they are stored (`apply` from the monitor), and again when the projection
   * delivers them — that second time, and any older one, is skipped.
   */
  private readonly livenessSeq = new Map<string, number>();

  /* ---------------- NodeSource ---------------- */

  get size(): number {
    return this.nodes.size;
  }

  get(nodeId: string): NodeView | undefined {
    return this.nodes.get(nodeId);
  }

  all(): Iterable<NodeView> {
    return this.nodes.values();
  }

  *candidates(rules: PlacementRules, seed: string): Iterable<NodeView> {
    const s = seedOf(seed);
    if (rules.pinned.size > 0) {
      const ids = new Set<string>();
      for (const p of rules.pinned) {
        if (this.nodes.has(p)) ids.add(p);
        for (const id of this.byIp.get(p) ?? []) ids.add(id);
      }
      const list = [...ids].map((id) => this.nodes.get(id)!).sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier) || byNodeId(a, b));
      yield* list;
      return;
    }
    // The smallest index that holds every node the rules can admit.
    const options: string[][] = [['']];
    if (rules.geolocation.allow.length > 0) {
      const keys = rules.geolocation.allow.map((r) => (r.continent ? (r.country ? `geo:${r.continent}_${r.country}` : `geo:${r.continent}`) : ''));
      options.push(keys.includes('') ? [''] : [...new Set(keys)]);
    }
    if (rules.staticIp) options.push(['trait:static-ip']);
    if (rules.datacenter) options.push(['trait:datacenter']);
    if (rules.enterprise) options.push(['trait:enterprise']);
    const sizeOf = (keys: string[]) => keys.reduce((acc, k) => acc + TIERS.reduce((t, tier) => t + (this.buckets.get(k)?.[tier].length ?? 0), 0), 0);
    const best = options.reduce((a, b) => (sizeOf(b) < sizeOf(a) ? b : a));
    const seen = best.length > 1 ? new Set<string>() : undefined;
    for (const tier of TIERS) {
      for (const k of best) {
        // `rotated(list, s)` inlined: one generator instead of one per list, for thousands of yields per decision.
        const list = this.buckets.get(k)?.[tier];
        const n = list?.length ?? 0;
        const start = n > 0 ? s % n : 0;
        for (let i = 0; i < n; i++) {
          const node = list![(start + i) % n]!;
          if (seen) {
            if (seen.has(node.nodeId)) continue;
            seen.add(node.nodeId);
          }
          yield node;
        }
      }
    }
  }

  /* ---------------- what a decision reads ---------------- */

  appKeys(): string[] {
    return [...this.apps.values()].filter((a) => (a.view && !a.view.expired) || a.placements.size > 0).map((a) => a.key).sort();
  }

  shortKeys(): string[] {
    return [...this.shortApps];
  }

  markShort(key: string, short: boolean): void {
    if (short) this.shortApps.add(key);
    else this.shortApps.delete(key);
  }

  app(key: string): AppView | null {
    return this.apps.get(key)?.view ?? null;
  }

  displayName(key: string): string | undefined {
    return this.apps.get(key)?.name;
  }

  revision(key: string): number {
    return this.apps.get(key)?.revision ?? 0;
  }

  placementsOf(key: string): ReadonlyMap<string, HeldPlacement> {
    return this.apps.get(key)?.placements ?? new Map();
  }

  /** Apps holding an instance on the node. */
  appsOn(nodeId: string): string[] {
    return [...(this.appsOnNode.get(nodeId) ?? [])];
  }

  /** Resources every app holds on a node. */
  usage(nodeId: string): NodeUsage | undefined {
    return this.used.get(nodeId);
  }

  /** What every OTHER app holds per node, without copying anything. */
  usageExcluding(key: string): UsageLookup {
    const own = this.apps.get(key)?.placements;
    // An app placed nowhere yet (every app of a placement from empty) holds nothing to take out.
    if (!own || own.size === 0) return this.used;
    return {
      get: (nodeId) => {
        const total = this.used.get(nodeId);
        const mine = own?.get(nodeId);
        if (!mine || !total) return total;
        return { ...sub(total, mine.demand), instances: total.instances - 1 };
      },
    };
  }

  /** The reconciler's input for an app, from memory. */
  input(key: string, hardware: Hardware): ReconcileInput {
    const a = this.apps.get(key);
    const placements = a ? [...a.placements.entries()].map(([nodeId, p]) => ({
      nodeId, specHash: p.specHash, scheduledSeq: p.scheduledSeq, status: effectiveStatus(p, a.reports.get(nodeId)), routed: isRouted(p, a.routes.get(nodeId)),
    })) : [];
    return { app: a?.view ?? null, placements, nodes: this, usage: this.usageExcluding(key), setbacks: a?.setbacks ?? [], hardware };
  }

  /** The app's stored placements (not those still being appended) with their effective status. */
  placementStatuses(key: string): Placement[] {
    const a = this.apps.get(key);
    if (!a) return [];
    const out: Placement[] = [];
    for (const [nodeId, p] of a.placements) {
      if (p.scheduledSeq === PENDING) continue;
      out.push({ nodeId, specHash: p.specHash, scheduledSeq: p.scheduledSeq, status: effectiveStatus(p, a.reports.get(nodeId)) });
    }
    return out;
  }

  /** A node that is registered, not expired, and up (heard). */
  isUp(nodeId: string): boolean {
    const n = this.nodes.get(nodeId);
    return !!n && n.up && n.registered && !n.expired;
  }

  reasonsOf(key: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [nodeId, p] of this.apps.get(key)?.placements ?? []) if (p.reason) out.set(nodeId, p.reason);
    return out;
  }

  /* ---------------- loading (from the projection's tables) ---------------- */

  loadNode(n: NodeView): void {
    this.putNode(n);
  }

  loadApp(key: string, view: AppView): void {
    const a = this.entry(key, view.name);
    a.view = view;
    a.name = view.name;
  }

  loadPlacement(key: string, name: string, nodeId: string, p: HeldPlacement): void {
    this.setPlacement(this.entry(key, name), nodeId, p);
  }

  loadRevision(key: string, revision: number): void {
    const a = this.entry(key, key);
    a.revision = Math.max(a.revision, revision);
  }

  loadReport(key: string, r: StatusReport): void {
    this.entry(key, key).reports.set(r.nodeId, r);
  }

  loadRoute(key: string, nodeId: string, route: { specHash: string; seq: number }): void {
    this.entry(key, key).routes.set(nodeId, route);
  }

  loadSetback(key: string, s: Setback): void {
    this.entry(key, key).setbacks.push(s);
  }

  clear(): void {
    this.nodes.clear();
    this.apps.clear();
    this.used.clear();
    this.appsOnNode.clear();
    this.buckets.clear();
    this.byIp.clear();
    this.shortApps.clear();
    this.livenessSeq.clear();
  }

  /* ---------------- the scheduler's own decisions ---------------- */

  /**
   * Holds a decided plan before its append: unscheduled placements go, scheduled ones are held
   * with `PENDING` as their sequence, so the next decision (for any app) sees their resources.
   */
  reserve(key: string, name: string, plan: Plan): void {
    const a = this.entry(key, name);
    for (const u of plan.unschedule) this.removePlacement(a, u.nodeId);
    for (const s of plan.schedule) this.setPlacement(a, s.nodeId, { specHash: s.specHash, scheduledSeq: PENDING, demand: demandOf(s.components), reason: s.reason });
  }

  /** The append of a reserved plan was acknowledged: `seqs` are its events' stream sequences, unschedules first. */
  confirm(key: string, plan: Plan, seqs: readonly number[]): void {
    const a = this.apps.get(key);
    if (!a) return;
    plan.schedule.forEach((s, i) => {
      const seq = seqs[plan.unschedule.length + i];
      const held = a.placements.get(s.nodeId);
      if (seq !== undefined && held && held.scheduledSeq === PENDING && held.specHash === s.specHash) held.scheduledSeq = seq;
    });
    const last = seqs[seqs.length - 1];
    if (last !== undefined) a.revision = Math.max(a.revision, last);
  }

  /**
   * Replaces an app's placements with what its stream says (after a failed or conflicting append):
   * `events` are the stream's placement events in order, `revision` its last sequence.
   */
  resync(key: string, events: ReadonlyArray<{ seq: number; event: DomainEvent }>, revision: number): void {
    const a = this.entry(key, key);
    for (const nodeId of [...a.placements.keys()]) this.removePlacement(a, nodeId);
    for (const { seq, event } of events) this.applyPlacement(a, event, seq);
    a.revision = revision;
  }

  /* ------- events (in stream order, after the projection committed them; liveness also when stored) ------- */

  apply(e: DomainEvent, seq: number): Wake {
    switch (e.type) {
      case 'NodeRegistered':
      case 'NodeExpiryReverted':
        return this.changeNode(e.data.nodeId, (n) => ({ ...n, ip: e.data.ip, tier: e.data.tier, registered: true, expired: false }));
      case 'NodeExpired':
        return this.changeNode(e.data.nodeId, (n) => ({ ...n, expired: true }));
      case 'NodeRegistrationReverted':
        return this.changeNode(e.data.nodeId, (n) => ({ ...n, registered: false, expired: true }));
      case 'NodeBenchmarked': {
        const d = e.data;
        return this.changeNode(d.nodeId, (n) => ({
          ...n, benchmarkPassed: d.passed,
          ...(d.geolocation ? { location: locationOf(d.geolocation) } : {}),
          ...(d.staticIp !== undefined ? { staticIp: d.staticIp } : {}),
          ...(d.datacenter !== undefined ? { datacenter: d.datacenter } : {}),
          ...(d.enterprise !== undefined ? { enterprise: d.enterprise } : {}),
        }));
      }
      case 'NodeWentDown':
      case 'NodeCameBack': {
        if (seq <= (this.livenessSeq.get(e.data.nodeId) ?? 0)) return NONE;
        this.livenessSeq.set(e.data.nodeId, seq);
        return this.changeNode(e.data.nodeId, (n) => ({ ...n, up: e.type === 'NodeCameBack' }));
      }
      case 'AppRegistered':
      case 'AppUpdated': {
        const k = key(e.data.name);
        const a = this.entry(k, e.data.name);
        a.name = e.data.name;
        a.view = { name: e.data.name, hash: e.data.hash, runtime: e.data.runtime, expired: false };
        return { apps: [k], short: false };
      }
      case 'AppExpired': {
        const a = this.apps.get(key(e.data.name));
        if (a?.view) a.view = { ...a.view, expired: true };
        return { apps: [key(e.data.name)], short: false };
      }
      case 'AppExpiryReverted': {
        const a = this.apps.get(key(e.data.name));
        if (a?.view && a.view.hash === e.data.hash) a.view = { ...a.view, expired: false };
        return { apps: [key(e.data.name)], short: false };
      }
      case 'AppRegistrationReverted': {
        const k = key(e.data.name);
        const a = this.entry(k, e.data.name);
        const r = e.data.restored;
        if (r) a.view = { name: r.name, hash: r.hash, runtime: r.runtime, expired: !r.active };
        else if (a.view) a.view = { ...a.view, expired: true };
        return { apps: [k], short: false };
      }
      case 'InstanceScheduled':
      case 'InstanceUnscheduled': {
        const k = key(e.data.app);
        const a = this.entry(k, e.data.app);
        if (seq <= a.revision) return NONE;
        this.applyPlacement(a, e, seq);
        a.revision = seq;
        // Capacity freed on a node may let a short app in.
        return { apps: [k], short: e.type === 'InstanceUnscheduled' };
      }
      case 'InstanceStarted':
      case 'InstanceFailed':
      case 'InstanceStopped': {
        const k = key(e.data.app);
        const a = this.entry(k, e.data.app);
        const status = e.type === 'InstanceStarted' ? 'running' : e.type === 'InstanceFailed' ? 'failed' : 'stopped';
        const specHash = e.type === 'InstanceStopped' ? null : e.data.specHash;
        a.reports.set(e.data.nodeId, { nodeId: e.data.nodeId, status, specHash, seq });
        if (e.type === 'InstanceFailed' && !a.setbacks.some((s) => s.nodeId === e.data.nodeId && s.specHash === e.data.specHash)) {
          a.setbacks.push({ nodeId: e.data.nodeId, specHash: e.data.specHash });
        }
        return { apps: [k], short: false };
      }
      case 'InstanceRouted':
      case 'InstanceDrained': {
        const k = key(e.data.app);
        const a = this.entry(k, e.data.app);
        if (e.type === 'InstanceRouted') a.routes.set(e.data.nodeId, { specHash: e.data.specHash, seq });
        else if (a.routes.get(e.data.nodeId)?.specHash === e.data.specHash) a.routes.delete(e.data.nodeId);
        // A new instance serving lets a rolling update go on to the next one.
        return { apps: [k], short: false };
      }
      case 'MasterElected':
        return { apps: [key(e.data.app)], short: false };
      default:
        return NONE;
    }
  }

  /* ---------------- internals ---------------- */

  private entry(k: string, name: string): AppEntry {
    let a = this.apps.get(k);
    if (!a) {
      a = { key: k, view: null, name, revision: 0, placements: new Map(), reports: new Map(), routes: new Map(), setbacks: [] };
      this.apps.set(k, a);
    }
    return a;
  }

  private applyPlacement(a: AppEntry, e: DomainEvent, seq: number): void {
    if (e.type === 'InstanceScheduled') {
      a.name = e.data.app;
      this.setPlacement(a, e.data.nodeId, { specHash: e.data.specHash, scheduledSeq: seq, demand: demandOf(e.data.components), reason: e.data.reason });
    } else if (e.type === 'InstanceUnscheduled') {
      this.removePlacement(a, e.data.nodeId);
    }
  }

  private setPlacement(a: AppEntry, nodeId: string, p: HeldPlacement): void {
    this.removePlacement(a, nodeId);
    a.placements.set(nodeId, p);
    const prev = this.used.get(nodeId) ?? { ...ZERO, instances: 0 };
    this.used.set(nodeId, { ...add(prev, p.demand), instances: prev.instances + 1 });
    let on = this.appsOnNode.get(nodeId);
    if (!on) this.appsOnNode.set(nodeId, (on = new Set()));
    on.add(a.key);
  }

  private removePlacement(a: AppEntry, nodeId: string): void {
    const old = a.placements.get(nodeId);
    if (!old) return;
    a.placements.delete(nodeId);
    const prev = this.used.get(nodeId);
    if (prev) {
      const left = { ...sub(prev, old.demand), instances: prev.instances - 1 };
      if (left.instances <= 0) this.used.delete(nodeId);
      else this.used.set(nodeId, left);
    }
    this.appsOnNode.get(nodeId)?.delete(a.key);
  }

  private changeNode(nodeId: string, change: (n: NodeView) => NodeView): Wake {
    const before = this.nodes.get(nodeId);
    // Like the table's `up` column: a node is up only once heard (its first heartbeat appends NodeCameBack).
    const base: NodeView = before ?? { nodeId, ip: '', tier: 'CUMULUS', registered: false, expired: false, benchmarkPassed: false, up: false };
    const after = change(base);
    // A row without a NodeRegistered (only a benchmark or a heartbeat seen) is not a node yet.
    const usable = (n: NodeView | undefined) => !!n && n.ip !== '' && !healthProblem(n);
    this.putNode(after);
    const wasUsable = usable(before);
    const isUsable = usable(after);
    const traitsChanged = !before || before.location !== after.location || before.staticIp !== after.staticIp
      || before.datacenter !== after.datacenter || before.enterprise !== after.enterprise || before.tier !== after.tier || before.ip !== after.ip;
    return {
      // The apps on the node decide again when it got worse or changed what it is.
      apps: wasUsable && (!isUsable || traitsChanged) ? this.appsOn(nodeId) : [],
      // Apps short of nodes may fit on a node that became usable or changed.
      short: isUsable && (!wasUsable || traitsChanged),
    };
  }

  private putNode(n: NodeView): void {
    const before = this.nodes.get(n.nodeId);
    if (before) this.unindex(before);
    this.nodes.set(n.nodeId, n);
    this.index(n);
  }

  private bucketKeys(n: NodeView): string[] {
    const keys = [''];
    if (n.location) {
      const [continent, country] = n.location.split('_');
      if (continent) keys.push(`geo:${continent}`);
      if (continent && country) keys.push(`geo:${continent}_${country}`);
    }
    if (n.staticIp) keys.push('trait:static-ip');
    if (n.datacenter) keys.push('trait:datacenter');
    if (n.enterprise) keys.push('trait:enterprise');
    return keys;
  }

  private index(n: NodeView): void {
    for (const k of this.bucketKeys(n)) {
      let b = this.buckets.get(k);
      if (!b) this.buckets.set(k, (b = { CUMULUS: [], NIMBUS: [], STRATUS: [] }));
      insertSorted(b[n.tier], n);
    }
    if (n.ip) {
      let ids = this.byIp.get(n.ip);
      if (!ids) this.byIp.set(n.ip, (ids = new Set()));
      ids.add(n.nodeId);
    }
  }

  private unindex(n: NodeView): void {
    for (const k of this.bucketKeys(n)) {
      const list = this.buckets.get(k)?.[n.tier];
      if (!list) continue;
      const i = indexOfId(list, n.nodeId);
      if (i >= 0) list.splice(i, 1);
    }
    this.byIp.get(n.ip)?.delete(n.nodeId);
  }
}

/** Apps are unique case-insensitively (and so are their subjects). */
export function key(app: string): string {
  return app.toLowerCase();
}

/** FluxOS's node location string `continent_country_region`. */
export function locationOf(g: { continent: string; country: string; region?: string }): string {
  return g.region ? `${g.continent}_${g.country}_${g.region}` : `${g.continent}_${g.country}`;
}

function indexOfId(list: readonly NodeView[], id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.nodeId < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo]!.nodeId === id ? lo : -1;
}

function insertSorted(list: NodeView[], n: NodeView): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.nodeId < n.nodeId) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, n);
}

/** HAProxy serves the placement with its own spec: routed since it was (re)placed, not drained since. */
function isRouted(p: { specHash: string; scheduledSeq: number }, route: { specHash: string; seq: number } | undefined): boolean {
  return route !== undefined && route.specHash === p.specHash && route.seq > p.scheduledSeq;
}
