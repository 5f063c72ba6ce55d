import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeEvent, Subjects, type ActivityKind, type DomainEvent } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { activityOf, type ActivityContext } from './activity';

/*
 * A model of what the network projection keeps for activity (which instances are placed, which apps
 * are live, the pending releases, each component's master), folding events through `activityOf` as
 * the projection does.
 */
class Model {
  readonly placed = new Set<string>();
  readonly active = new Set<string>();
  readonly pending = new Map<string, number>();
  readonly masters = new Map<string, string>();
  readonly totals: Record<ActivityKind, number> = { started: 0, failed: 0, moved: 0, masterChanges: 0, masterElections: 0 };

  apply(e: DomainEvent): ActivityKind[] {
    const d = e.data as { app?: string; name?: string; nodeId?: string; component?: string };
    const app = (d.app ?? d.name ?? '').toLowerCase();
    const ctx: ActivityContext = {
      appActive: this.active.has(app), placed: this.placed.has(`${app}/${d.nodeId}`), pendingReleases: this.pending.get(app) ?? 0,
      previousMaster: this.masters.get(`${app}/${d.component}`) ?? null,
    };
    const { kinds, pendingReleases } = activityOf(e, ctx);
    if (this.active.has(app)) this.pending.set(app, pendingReleases);
    for (const k of kinds) this.totals[k]++;
    // The state change after the activity, as the projection makes it.
    if (e.type === 'AppRegistered' || e.type === 'AppUpdated') this.active.add(app);
    if (e.type === 'AppExpired') this.active.delete(app);
    if (e.type === 'InstanceScheduled') this.placed.add(`${app}/${d.nodeId}`);
    if (e.type === 'InstanceUnscheduled') this.placed.delete(`${app}/${d.nodeId}`);
    if (e.type === 'MasterElected') this.masters.set(`${app}/${d.component}`, d.nodeId!);
    return kinds;
  }
}

const H = 'a'.repeat(64);
const spec = (instances: number) => ({ name: 'demo', instances });
const registered = (instances: number) => makeEvent('AppRegistered', Subjects.app('demo'), {
  name: 'demo', hash: H, owner: 'o', spec: spec(instances), runtime: runtimeView(spec(instances)), txid: 't', height: 1, expireBlocks: 22000, expiresAtHeight: 22001, timestamp: 1, signature: 's', amountSat: 1,
});
const updated = (instances: number) => makeEvent('AppUpdated', Subjects.app('demo'), {
  name: 'demo', hash: H, owner: 'o', spec: spec(instances), runtime: runtimeView(spec(instances)), txid: 't', height: 2, expireBlocks: 22000, expiresAtHeight: 22002, timestamp: 2, signature: 's', amountSat: 1,
});
const scheduled = (nodeId: string) => makeEvent('InstanceScheduled', Subjects.placement('demo'), {
  app: 'demo', nodeId, nodeIp: '127.0.0.1', specHash: H, reason: 'r',
  components: [{ name: 'web', image: 'i', ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 0.5, ramMb: 500, hddGb: 5 }],
});
const unscheduled = (nodeId: string) => makeEvent('InstanceUnscheduled', Subjects.placement('demo'), { app: 'demo', nodeId, reason: 'r' });
const started = (nodeId: string) => makeEvent('InstanceStarted', Subjects.instance('demo', nodeId), { app: 'demo', nodeId, ip: '127.0.0.1', specHash: H, ports: [], containers: [] });
const failed = (nodeId: string) => makeEvent('InstanceFailed', Subjects.instance('demo', nodeId), { app: 'demo', nodeId, specHash: H, error: 'x' });
const elected = (nodeId: string, term: number) => makeEvent('MasterElected', Subjects.master('demo'), { app: 'demo', component: 'db', nodeId, term, reason: 'r', leaseMs: 1000 });
const expired = () => makeEvent('AppExpired', Subjects.app('demo'), { name: 'demo', hash: H, height: 3 });

describe('activityOf', () => {
  it('counts a replacement after a release as a move, a rollout or a new instance not', () => {
    const m = new Model();
    const kinds = [registered(2), scheduled('n1'), scheduled('n2'), started('n1'), started('n2'),
      failed('n2'), unscheduled('n2'), scheduled('n3'), started('n3'), // healed: a move
      scheduled('n1'), // a rollout on the same node
      updated(3), scheduled('n4'), // a new instance
      updated(2), unscheduled('n4'), // a surplus release
      elected('n1', 1), elected('n3', 2), elected('n3', 3),
    ].map((e) => m.apply(e));
    expect(kinds[7]).toEqual(['moved']);
    expect(m.totals).toEqual({ started: 3, failed: 1, moved: 1, masterChanges: 1, masterElections: 3 });
  });

  it('counts a replacement placed later (no node was free) as a move, and nothing of an expired app', () => {
    const m = new Model();
    for (const e of [registered(1), scheduled('n1'), unscheduled('n1'), scheduled('n2'), expired(), unscheduled('n2')]) m.apply(e);
    expect(m.totals.moved).toBe(1);
    const after = new Model();
    for (const e of [registered(1), scheduled('n1'), expired(), unscheduled('n1'), registered(1), scheduled('n2')]) after.apply(e);
    expect(after.totals.moved).toBe(0);
  });

  /** What the scheduler does to one app, step by step, and how many moves each step is. */
  type Step = { kind: 'heal' | 'rollout' | 'grow' | 'shrink' | 'start' | 'fail' | 'elect'; pick: number };
  const stepArb: fc.Arbitrary<Step> = fc.record({ kind: fc.constantFrom('heal', 'rollout', 'grow', 'shrink', 'start', 'fail', 'elect'), pick: fc.nat() });

  it('counts exactly the replacements as moves, every start, failure and election, and the elections of another node as changes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(stepArb, { maxLength: 40 }), (initial, steps) => {
      const m = new Model();
      let next = 0;
      const fresh = () => `n${next++}`;
      let placed: string[] = [];
      let target = initial;
      const expected = { started: 0, failed: 0, moved: 0, masterChanges: 0, masterElections: 0 };
      let master: string | null = null;
      let term = 0;
      m.apply(registered(initial));
      for (let i = 0; i < initial; i++) { const n = fresh(); placed.push(n); m.apply(scheduled(n)); }
      for (const s of steps) {
        const victim = placed.length ? placed[s.pick % placed.length]! : undefined;
        switch (s.kind) {
          case 'heal': {
            if (!victim) break;
            const n = fresh();
            m.apply(unscheduled(victim)); m.apply(scheduled(n));
            placed = placed.filter((x) => x !== victim).concat(n);
            expected.moved++;
            break;
          }
          case 'rollout':
            if (victim) m.apply(scheduled(victim));
            break;
          case 'grow': {
            target++;
            const n = fresh();
            m.apply(updated(target)); m.apply(scheduled(n));
            placed.push(n);
            break;
          }
          case 'shrink':
            if (!victim || target <= 1) break;
            target--;
            m.apply(updated(target)); m.apply(unscheduled(victim));
            placed = placed.filter((x) => x !== victim);
            break;
          case 'start':
            if (victim) { m.apply(started(victim)); expected.started++; }
            break;
          case 'fail':
            if (victim) { m.apply(failed(victim)); expected.failed++; }
            break;
          case 'elect':
            if (!victim) break;
            m.apply(elected(victim, ++term));
            expected.masterElections++;
            if (master !== null && master !== victim) expected.masterChanges++;
            master = victim;
            break;
        }
      }
      expect(m.totals).toEqual(expected);
    }));
  });

  it('never counts more moves than releases from a live app, whatever the order of events', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4'];
    const eventArb = fc.oneof(
      fc.constantFrom(...nodes).map(scheduled), fc.constantFrom(...nodes).map(unscheduled),
      fc.constant(registered(2)), fc.constant(updated(3)), fc.constant(expired()),
    );
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
      const m = new Model();
      let releases = 0;
      for (const e of events) {
        const d = e.data as { nodeId?: string };
        if (e.type === 'InstanceUnscheduled' && m.active.has('demo') && m.placed.has(`demo/${d.nodeId}`)) releases++;
        m.apply(e);
        expect(m.pending.get('demo') ?? 0).toBeGreaterThanOrEqual(0);
      }
      expect(m.totals.moved).toBeLessThanOrEqual(releases);
    }));
  });
});
