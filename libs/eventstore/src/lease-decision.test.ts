import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activeUntil, decideLease, parseLeaseRecord, type LeaseRecord } from './lease-decision';

const lease = (holder: string, term: number, over: Partial<LeaseRecord> = {}): LeaseRecord => ({ holder, term, leaseMs: 2000, renewedAt: new Date(0).toISOString(), ...over });
const timing = (marginMs: number, leaseMs = 1) => ({ marginMs, leaseMs });

describe('lease decision', () => {
  it('takes a free lease at term 1, renews its own, waits out another holder then takes term + 1', () => {
    expect(decideLease('a', { lease: null, revision: 0, seenAt: 0 }, 0, timing(1000))).toMatchObject({ kind: 'acquire', term: 1, revision: 0 });
    expect(decideLease('a', { lease: lease('a', 3), revision: 7, seenAt: 0 }, 10, timing(1000))).toEqual({ kind: 'renew', term: 3, revision: 7 });
    expect(decideLease('b', { lease: lease('a', 3), revision: 7, seenAt: 100 }, 2000, timing(1000))).toEqual({ kind: 'wait', until: 3100, holder: 'a', term: 3 });
    expect(decideLease('b', { lease: lease('a', 3), revision: 7, seenAt: 100 }, 3100, timing(1000))).toMatchObject({ kind: 'acquire', term: 4, revision: 7 });
  });

  it('takes a released lease at once', () => {
    expect(decideLease('b', { lease: lease('a', 3, { released: true }), revision: 8, seenAt: 0 }, 1, timing(1000))).toMatchObject({ kind: 'acquire', term: 4 });
    expect(decideLease('a', { lease: lease('a', 3, { released: true }), revision: 8, seenAt: 0 }, 1, timing(1000))).toMatchObject({ kind: 'acquire', term: 4 });
  });

  it('waits out the longer of the holder\'s lease and its own', () => {
    expect(decideLease('b', { lease: lease('a', 1, { leaseMs: 500 }), revision: 2, seenAt: 0 }, 600, timing(0, 3000))).toMatchObject({ kind: 'wait', until: 3000 });
  });

  it('a contender never takes over while the holder may still count itself the holder (clocks at the same rate)', () => {
    // The holder sends its write at `sent`; the contender sees it at sent + delay (delay >= 0) and
    // looks at any later instant: when it decides to acquire, the holder's activeUntil has passed.
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 500, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 3000 }),
      (sent, delay, later, leaseMs, ownLeaseMs, margin) => {
        const seenAt = sent + delay;
        const now = seenAt + later;
        const d = decideLease('b', { lease: lease('a', 1, { leaseMs }), revision: 1, seenAt }, now, timing(margin, ownLeaseMs));
        if (d.kind === 'acquire') expect(now).toBeGreaterThanOrEqual(activeUntil(sent, leaseMs));
        else expect(d.kind).toBe('wait');
      }));
  });

  it('terms only grow', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.boolean(), (term, released) => {
      const d = decideLease('b', { lease: lease('a', term, { released }), revision: 1, seenAt: 0 }, 1e9, timing(0));
      expect(d.kind === 'acquire' && d.term).toBe(term + 1);
    }));
  });

  it('reads entries of every shape: today\'s, the termless ones of before, and garbage as none', () => {
    expect(parseLeaseRecord(JSON.stringify(lease('a', 2)))).toMatchObject({ holder: 'a', term: 2, leaseMs: 2000 });
    expect(parseLeaseRecord(JSON.stringify({ holder: 'a', ttlMs: 3000, renewedAt: 'x' }))).toMatchObject({ holder: 'a', term: 0, leaseMs: 3000 });
    expect(parseLeaseRecord('{"holder": 3}')).toBeNull();
    expect(parseLeaseRecord('not json')).toBeNull();
  });
});
