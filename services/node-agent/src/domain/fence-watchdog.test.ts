import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { containersToStop, FenceFile, fenceLeases, nothingToGuard, type GuardedContainer } from './fence-watchdog';
import { EMPTY_LEASE, evolveLease, lapsesAt, mayRun, type LeaseEvent } from './master-lease';

const file = (leases: FenceFile['leases']): FenceFile => ({ version: 1, nodeId: 'n1', bootId: 'boot', agentPid: 42, leases });
const SELF = { nodeId: 'n1', bootId: 'boot' };
const ctr = (id: string, app: string, component = 'web', state = 'running'): GuardedContainer => ({ id, app, component, state });

describe('fence watchdog: what to stop', () => {
  it('stops a g: container once its lease lapsed, keeps it before', () => {
    const f = file([{ app: 'counter', component: 'web', term: 2, lapsesAt: 1000 }]);
    expect(containersToStop(SELF, f, [ctr('a', 'counter')], 999)).toEqual([]);
    expect(containersToStop(SELF, f, [ctr('a', 'counter')], 1000)).toEqual(['a']);
  });

  it('stops g: containers without a lease, and every one when there is no file', () => {
    const f = file([{ app: 'counter', component: 'web', term: 1, lapsesAt: 5000 }]);
    const cs = [ctr('a', 'Counter', 'WEB'), ctr('b', 'counter', 'db'), ctr('c', 'other')];
    expect(containersToStop(SELF, f, cs, 0)).toEqual(['b', 'c']);
    expect(containersToStop(SELF, null, cs, 0)).toEqual(['a', 'b', 'c']);
  });

  it('trusts no file of another node or an earlier boot', () => {
    const f = file([{ app: 'counter', component: 'web', term: 1, lapsesAt: 5000 }]);
    expect(containersToStop({ nodeId: 'n2', bootId: 'boot' }, f, [ctr('a', 'counter')], 0)).toEqual(['a']);
    expect(containersToStop({ nodeId: 'n1', bootId: 'other' }, f, [ctr('a', 'counter')], 0)).toEqual(['a']);
  });

  it('leaves containers that no longer run alone', () => {
    expect(containersToStop(SELF, null, [ctr('a', 'x', 'web', 'exited'), ctr('b', 'x', 'web', 'created'), ctr('c', 'x', 'web', 'paused')], 0)).toEqual(['c']);
  });

  it('ends only when the agent is gone and no g: container is alive', () => {
    expect(nothingToGuard(true, [])).toBe(false);
    expect(nothingToGuard(false, [ctr('a', 'x')])).toBe(false);
    expect(nothingToGuard(false, [ctr('a', 'x', 'web', 'exited')])).toBe(true);
  });

  it('the file is validated: a bad entry is refused with the field named', () => {
    const r = FenceFile.safeParse({ version: 1, nodeId: 'n1', bootId: 'b', agentPid: 1, leases: [{ app: 'a', component: 'w', term: 0, lapsesAt: 1 }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues[0]?.path)).toBe('["leases",0,"term"]');
  });

  it('moves the agent clock to the machine clock', () => {
    expect(fenceLeases([{ app: 'a', component: 'w', term: 3, lapsesAt: 1500 }, { app: 'b', component: 'w', term: 1, lapsesAt: null }], 1000, 70_000))
      .toEqual([{ app: 'a', component: 'w', term: 3, lapsesAt: 70_500 }]);
  });

  it("property: the watchdog lets a g: container run exactly when the agent's own lease rule would", () => {
    const ME = 'n1';
    const event: fc.Arbitrary<LeaseEvent> = fc.oneof(
      fc.record({ kind: fc.constant('term' as const), term: fc.record({ term: fc.integer({ min: 1, max: 5 }), nodeId: fc.constantFrom(ME, 'n2'), leaseMs: fc.integer({ min: 1, max: 3000 }) }) }),
      fc.record({ kind: fc.constant('renewed' as const), term: fc.integer({ min: 1, max: 5 }), sentAt: fc.integer({ min: 0, max: 10_000 }) }),
      fc.record({ kind: fc.constant('lease-seen' as const), nodeId: fc.constantFrom(ME, 'n2'), term: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 12 }), fc.integer({ min: 0, max: 15_000 }), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 15_000 }),
      (events, writtenAt, offset, now) => {
        const s = events.reduce((st, e) => evolveLease(ME, st, e), EMPTY_LEASE);
        // The agent writes at `writtenAt` (its clock); the machine clock is `offset` ahead of it.
        const f = file(fenceLeases([{ app: 'ctr', component: 'web', term: s.term?.term ?? 1, lapsesAt: lapsesAt(ME, s) }], writtenAt, writtenAt + offset));
        const stopped = containersToStop(SELF, f, [ctr('x', 'ctr')], now + offset).length === 1;
        expect(stopped).toBe(!mayRun(ME, s, now));
      }));
  });
});
