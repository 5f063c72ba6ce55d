import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideMaster } from './decide-master';
import type { Candidate, ElectionConfig, FolderSyncView, LeaseSeen, MasterElectedData } from './types';

/**
 * A model world of one `g:` component: nodes going up and down, placed and unplaced, failing, sync
 * reports of any freshness, the master renewing or releasing its lease (renewals delivered to the
 * elector up to a margin late), time passing, and TWO electors that read the master stream and
 * append with an expected revision, each with its own (possibly stale) view. The properties of the
 * issue are checked on every append and after convergence.
 */
const NODES = ['a', 'b', 'c', 'd'] as const;
type NodeName = typeof NODES[number];
const config: ElectionConfig = { leaseMs: 3000, marginMs: 1000, syncFreshMs: 5000 };

type Action =
  | { k: 'tick'; dt: number }
  | { k: 'up' | 'placed' | 'failed'; n: NodeName; v: boolean }
  | { k: 'report'; n: NodeName; lag: number | null }
  | { k: 'renew'; delay: number }
  | { k: 'release'; delay: number }
  | { k: 'read'; e: 0 | 1 }
  | { k: 'decide'; e: 0 | 1 };

const node = fc.constantFrom(...NODES);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 2500 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('up' as const, 'placed' as const, 'failed' as const), n: node, v: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('report' as const), n: node, lag: fc.option(fc.integer({ min: 0, max: 9000 }), { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('renew' as const), delay: fc.integer({ min: 0, max: config.marginMs - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('release' as const), delay: fc.integer({ min: 0, max: config.marginMs - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('read' as const), e: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('decide' as const), e: fc.constantFrom(0 as const, 1 as const) }) },
);

interface NodeState { up: boolean; placed: boolean; failed: boolean; sync: FolderSyncView | null; lag: number | null }
interface KvWrite { nodeId: string; term: number; released: boolean; sentAt: number; seenAt: number }
interface Elector { logLen: number; seenAt: Map<number, number> }

class World {
  t = 1_000_000;
  readonly nodes = new Map<NodeName, NodeState>();
  readonly log: Array<{ data: MasterElectedData; at: number }> = [];
  readonly kv: KvWrite[] = [];
  readonly electors: [Elector, Elector] = [{ logLen: 0, seenAt: new Map() }, { logLen: 0, seenAt: new Map() }];

  constructor(private readonly skew: Record<NodeName, number>) {
    for (const n of NODES) this.nodes.set(n, { up: true, placed: true, failed: false, sync: null, lag: null });
  }

  get master() { return this.log.at(-1)?.data; }

  /** The truth, written independently of the decider: may `n` be master at this instant? */
  eligible(n: NodeName): boolean {
    const s = this.nodes.get(n)!;
    if (!s.up || !s.placed || s.failed || !s.sync || s.sync.lastCompleteAt === null) return false;
    return this.t - s.sync.seenAt <= config.syncFreshMs && s.sync.reportAt - s.sync.lastCompleteAt <= config.syncFreshMs;
  }

  /** A master renews only within leaseMs of its term's start or of its previous renewal (an unbroken lease), and not after releasing. */
  mayRenew(): boolean {
    const m = this.master;
    if (!m) return false;
    const own = this.kv.filter((w) => w.term === m.term);
    if (own.some((w) => w.released)) return false;
    const since = own.at(-1)?.sentAt ?? this.log.at(-1)!.at;
    return this.t - since < config.leaseMs;
  }

  write(released: boolean, delay: number): void {
    const m = this.master!;
    // The KV watch delivers in order: never before the previous write.
    const seenAt = Math.max(this.t + delay, this.kv.at(-1)?.seenAt ?? 0);
    this.kv.push({ nodeId: m.nodeId, term: m.term, released, sentAt: this.t, seenAt });
  }

  leaseView(): LeaseSeen | null {
    const w = this.kv.filter((x) => x.seenAt <= this.t).at(-1);
    if (!w) return null;
    const leaseMs = this.log.find((l) => l.data.term === w.term)!.data.leaseMs;
    return { nodeId: w.nodeId, term: w.term, leaseMs, released: w.released, seenAt: w.seenAt };
  }

  read(e: 0 | 1): void {
    const el = this.electors[e];
    el.logLen = this.log.length;
    for (const l of this.log) if (!el.seenAt.has(l.data.term)) el.seenAt.set(l.data.term, this.t);
  }

  candidates(): Candidate[] {
    return NODES.filter((n) => this.nodes.get(n)!.placed).map((n) => {
      const s = this.nodes.get(n)!;
      return { nodeId: n, up: s.up, failed: s.failed, sync: s.sync };
    });
  }

  decide(e: 0 | 1): MasterElectedData | null {
    const el = this.electors[e];
    const last = this.log[el.logLen - 1]?.data;
    const current = last ? { nodeId: last.nodeId, term: last.term, leaseMs: last.leaseMs, seenAt: el.seenAt.get(last.term)! } : null;
    const d = decideMaster({ current, lease: this.leaseView() }, { app: 'demo', component: 'db', candidates: this.candidates() }, this.t, config);
    if (d.kind !== 'elect') return null;
    if (el.logLen !== this.log.length) return null; // expected revision: the append is refused
    this.check(d.elected);
    this.log.push({ data: d.elected, at: this.t });
    el.logLen = this.log.length;
    el.seenAt.set(d.elected.term, this.t);
    return d.elected;
  }

  /** The safety properties, on every append. */
  check(elected: MasterElectedData): void {
    const prev = this.master;
    // Terms only grow, by one: so at most one master per term.
    expect(elected.term).toBe((prev?.term ?? 0) + 1);
    // Never a node that was not in sync.
    expect(this.eligible(elected.nodeId as NodeName)).toBe(true);
    if (!prev) return;
    // No new term while the old lease may still be valid, unless its holder released it.
    const own = this.kv.filter((w) => w.term === prev.term && w.sentAt <= this.t);
    if (own.some((w) => w.released)) return;
    const lastRenewal = own.at(-1)?.sentAt;
    if (lastRenewal !== undefined) expect(lastRenewal + prev.leaseMs).toBeLessThanOrEqual(this.t);
  }

  apply(a: Action): void {
    switch (a.k) {
      case 'tick': this.t += a.dt; break;
      case 'up': this.nodes.get(a.n)!.up = a.v; break;
      case 'placed': Object.assign(this.nodes.get(a.n)!, { placed: a.v, failed: false }); break;
      case 'failed': this.nodes.get(a.n)!.failed = a.v; break;
      case 'report': {
        const s = this.nodes.get(a.n)!;
        s.lag = a.lag;
        this.report(a.n);
        break;
      }
      case 'renew': if (this.mayRenew()) this.write(false, a.delay); break;
      case 'release': if (this.mayRenew()) this.write(true, a.delay); break;
      case 'read': this.read(a.e); break;
      case 'decide': this.decide(a.e); break;
    }
  }

  /** The node publishes its folder's status again (its lag since the last complete observation unchanged). */
  report(n: NodeName): void {
    const s = this.nodes.get(n)!;
    const reportAt = this.t + this.skew[n];
    s.sync = { seenAt: this.t, reportAt, lastCompleteAt: s.lag === null ? null : reportAt - s.lag };
  }
}

const skewArb = fc.record({ a: fc.integer({ min: -60_000, max: 60_000 }), b: fc.integer({ min: -60_000, max: 60_000 }), c: fc.integer({ min: -60_000, max: 60_000 }), d: fc.integer({ min: -60_000, max: 60_000 }) });

describe('g: master election over random histories', () => {
  it('one master per term, terms +1, only in-sync nodes, no term while the old lease may be valid; converges to a master when one is eligible', () => {
    fc.assert(fc.property(skewArb, fc.array(actionArb, { minLength: 10, maxLength: 150, size: 'max' }), (skew, actions) => {
      const w = new World(skew);
      for (const a of actions) w.apply(a);

      // Convergence: the old master stops renewing, enough time passes for any lease to lapse, the
      // agents keep reporting, and one elector runs a few passes.
      w.read(0);
      w.t += config.leaseMs + 2 * config.marginMs + 1;
      for (const n of NODES) w.report(n);
      for (let i = 0; i < 3; i++) { w.read(0); w.decide(0); }

      const anyEligible = NODES.some((n) => w.eligible(n));
      if (anyEligible) {
        const m = w.master;
        expect(m).toBeDefined();
        const s = w.nodes.get(m!.nodeId as NodeName)!;
        expect(s.up && s.placed && !s.failed).toBe(true);
      }
      // Terms in the log are exactly 1..k.
      expect(w.log.map((l) => l.data.term)).toEqual(w.log.map((_, i) => i + 1));
    }), { numRuns: 1000 });
  });
});
