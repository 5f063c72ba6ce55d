import { describe, expect, it } from 'vitest';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { decideMaster, isEligible, leaseCertainlyExpiresAt } from './decide-master';
import { foldMasters } from './master-state';
import type { Candidate, ElectionConfig, ElectionState } from './types';

const config: ElectionConfig = { leaseMs: 3000, marginMs: 1000, syncFreshMs: 5000 };
const NOW = 100_000;
const inSync = (nodeId: string, completeAgo = 0, over: Partial<Candidate> = {}): Candidate =>
  ({ nodeId, up: true, failed: false, sync: { seenAt: NOW - 100, reportAt: 50_000, lastCompleteAt: 50_000 - completeAgo }, ...over });
const input = (...candidates: Candidate[]) => ({ app: 'demo', component: 'db', candidates });
const none: ElectionState = { current: null, lease: null };
const master = (nodeId: string, term: number, seenAt = NOW - 60_000): ElectionState['current'] => ({ nodeId, term, leaseMs: 3000, seenAt });

describe('decideMaster', () => {
  it('elects term 1 at once: the most recently complete instance, ties by node id', () => {
    expect(decideMaster(none, input(inSync('b', 10), inSync('c', 0), inSync('a', 0)), NOW, config))
      .toEqual({ kind: 'elect', elected: { app: 'demo', component: 'db', nodeId: 'a', term: 1, reason: 'first master', leaseMs: 3000 } });
    expect(decideMaster(none, input(inSync('b', 10), inSync('c', 20)), NOW, config)).toMatchObject({ kind: 'elect', elected: { nodeId: 'b' } });
  });

  it('elects nobody who has not reported its folder in sync recently', () => {
    const stale = inSync('a', 0, { sync: { seenAt: NOW - 6000, reportAt: 1, lastCompleteAt: 1 } });
    const neverComplete = inSync('b', 0, { sync: { seenAt: NOW, reportAt: 1, lastCompleteAt: null } });
    const longAgo = inSync('c', 5001);
    const noReport = inSync('d', 0, { sync: null });
    const down = inSync('e', 0, { up: false });
    const failed = inSync('f', 0, { failed: true });
    for (const c of [stale, neverComplete, longAgo, noReport, down, failed]) expect(isEligible(c, NOW, config)).toBe(false);
    expect(decideMaster(none, input(stale, neverComplete, longAgo, noReport, down, failed), NOW, config)).toMatchObject({ kind: 'none' });
  });

  it('keeps a master whose node is up, placed and not failed, in sync or not', () => {
    expect(decideMaster({ current: master('a', 4), lease: null }, input(inSync('a', 0, { sync: null }), inSync('b')), NOW, config)).toEqual({ kind: 'keep' });
  });

  it('re-elects when the master is down, failed or unscheduled, with the next term, once the old lease has certainly expired', () => {
    const lease = { nodeId: 'a', term: 4, leaseMs: 3000, released: false, seenAt: NOW - 2000 };
    for (const [cands, reason] of [
      [[inSync('a', 0, { up: false }), inSync('b')], 'master node down'],
      [[inSync('a', 0, { failed: true }), inSync('b')], 'master instance failed'],
      [[inSync('b')], 'master unscheduled'],
    ] as const) {
      const state = { current: master('a', 4), lease };
      expect(decideMaster(state, input(...cands), NOW, config)).toEqual({ kind: 'wait', until: NOW + 2000, reason: `${reason}; waiting for the old lease to expire` });
      expect(decideMaster(state, input(...cands), NOW + 1999, config).kind).toBe('wait');
      expect(decideMaster(state, input(...cands), NOW + 2000, config)).toEqual({ kind: 'elect', elected: { app: 'demo', component: 'db', nodeId: 'b', term: 5, reason, leaseMs: 3000 } });
    }
  });

  it('counts the lease from the term start when the master never renewed, and skips the waiting when it released its lease', () => {
    const down = input(inSync('a', 0, { up: false }), inSync('b'));
    expect(decideMaster({ current: master('a', 2, NOW - 100), lease: null }, down, NOW, config)).toMatchObject({ kind: 'wait', until: NOW - 100 + 4000 });
    const released = { nodeId: 'a', term: 2, leaseMs: 3000, released: true, seenAt: NOW - 10 };
    expect(decideMaster({ current: master('a', 2, NOW - 100), lease: released }, down, NOW, config)).toMatchObject({ kind: 'elect', elected: { nodeId: 'b', term: 3 } });
    // A release by an older term's holder does not release the current one.
    expect(leaseCertainlyExpiresAt({ current: master('a', 2, NOW - 100), lease: { ...released, term: 1 } }, config)).toBe(NOW - 10 + 4000);
  });

  it('never re-elects the failing master itself', () => {
    expect(decideMaster({ current: master('a', 1), lease: null }, input(inSync('a', 0, { failed: true })), NOW, config)).toMatchObject({ kind: 'none' });
  });
});

describe('foldMasters', () => {
  it('keeps the highest term per component', () => {
    const ev = (component: string, nodeId: string, term: number) =>
      ({ event: makeEvent('MasterElected', Subjects.master('demo'), { app: 'demo', component, nodeId, term, reason: 'r', leaseMs: 3000 }) });
    const s = foldMasters([ev('db', 'a', 1), ev('DB', 'b', 2), ev('db', 'c', 1), ev('cache', 'c', 1)]);
    expect(s.get('db')).toEqual({ nodeId: 'b', term: 2, leaseMs: 3000 });
    expect(s.get('cache')).toEqual({ nodeId: 'c', term: 1, leaseMs: 3000 });
  });
});
