import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EMPTY_LEASE, evolveLease, holdsTerm, lapsesAt, leaseRole, leaseWrite, mayRun, type LeaseEvent, type LeaseState } from './master-lease';

const ME = 'n1';
const fold = (events: LeaseEvent[]): LeaseState => events.reduce((s, e) => evolveLease(ME, s, e), EMPTY_LEASE);

describe('master lease', () => {
  it('a master may run only after a successful renewal for its term, until leaseMs after it was sent', () => {
    let s = fold([{ kind: 'term', term: { term: 1, nodeId: ME, leaseMs: 3000 } }]);
    expect(leaseRole(ME, s, 0)).toBe('master-unleased');
    s = evolveLease(ME, s, { kind: 'renewed', term: 1, sentAt: 100 });
    expect(mayRun(ME, s, 100)).toBe(true);
    expect(mayRun(ME, s, 3099)).toBe(true);
    expect(mayRun(ME, s, 3100)).toBe(false);
    expect(lapsesAt(ME, s)).toBe(3100);
    // A renewal after the lapse lets it run again.
    s = evolveLease(ME, s, { kind: 'renewed', term: 1, sentAt: 5000 });
    expect(leaseRole(ME, s, 5001)).toBe('master');
  });

  it('a higher term for another node stops the master at once; a lower term arriving late changes nothing', () => {
    let s = fold([{ kind: 'term', term: { term: 2, nodeId: ME, leaseMs: 3000 } }, { kind: 'renewed', term: 2, sentAt: 0 }]);
    expect(evolveLease(ME, s, { kind: 'term', term: { term: 1, nodeId: 'n2', leaseMs: 3000 } })).toBe(s);
    s = evolveLease(ME, s, { kind: 'term', term: { term: 3, nodeId: 'n2', leaseMs: 3000 } });
    expect(leaseRole(ME, s, 1)).toBe('replica');
    expect(holdsTerm(ME, s)).toBe(false);
  });

  it('a renewal answered for an older term does not count for the new one', () => {
    let s = fold([{ kind: 'term', term: { term: 1, nodeId: ME, leaseMs: 3000 } }, { kind: 'term', term: { term: 2, nodeId: ME, leaseMs: 3000 } }]);
    s = evolveLease(ME, s, { kind: 'renewed', term: 1, sentAt: 10 });
    expect(leaseRole(ME, s, 11)).toBe('master-unleased');
  });

  it("another node's lease entry of a term as high or higher fences the master", () => {
    let s = fold([{ kind: 'term', term: { term: 4, nodeId: ME, leaseMs: 3000 } }, { kind: 'renewed', term: 4, sentAt: 0 }]);
    s = evolveLease(ME, s, { kind: 'lease-seen', nodeId: 'n2', term: 3 });
    expect(mayRun(ME, s, 1)).toBe(true);
    s = evolveLease(ME, s, { kind: 'lease-seen', nodeId: 'n2', term: 5 });
    expect(leaseRole(ME, s, 1)).toBe('superseded');
    expect(holdsTerm(ME, s)).toBe(false);
    // Elected again in a later term, it holds the term (and may renew).
    s = evolveLease(ME, s, { kind: 'term', term: { term: 6, nodeId: ME, leaseMs: 3000 } });
    expect(holdsTerm(ME, s)).toBe(true);
  });

  it('nobody runs before a term is seen', () => {
    expect(leaseRole(ME, EMPTY_LEASE, 0)).toBe('unelected');
    expect(mayRun(ME, fold([{ kind: 'renewed', term: 1, sentAt: 0 }]), 0)).toBe(false);
  });

  it('writes: create when empty, compare-and-set over its own or an older entry, never over a newer one', () => {
    expect(leaseWrite(ME, 2, null)).toEqual({ kind: 'create' });
    expect(leaseWrite(ME, 2, { nodeId: ME, term: 2, revision: 7 })).toEqual({ kind: 'update', revision: 7 });
    expect(leaseWrite(ME, 2, { nodeId: 'n2', term: 1, revision: 8 })).toEqual({ kind: 'update', revision: 8 });
    expect(leaseWrite(ME, 2, { nodeId: 'n2', term: 2, revision: 9 })).toEqual({ kind: 'fenced', nodeId: 'n2', term: 2 });
    expect(leaseWrite(ME, 2, { nodeId: 'n2', term: 3, revision: 9 })).toEqual({ kind: 'fenced', nodeId: 'n2', term: 3 });
  });
});

describe('master lease properties', () => {
  const node = fc.constantFrom(ME, 'n2', 'n3');
  const event: fc.Arbitrary<LeaseEvent> = fc.oneof(
    fc.record({ kind: fc.constant('term' as const), term: fc.record({ term: fc.integer({ min: 1, max: 8 }), nodeId: node, leaseMs: fc.integer({ min: 1, max: 5000 }) }) }),
    fc.record({ kind: fc.constant('renewed' as const), term: fc.integer({ min: 1, max: 8 }), sentAt: fc.integer({ min: 0, max: 20_000 }) }),
    fc.record({ kind: fc.constant('lease-seen' as const), nodeId: node, term: fc.integer({ min: 1, max: 8 }) }),
  );

  it('never may run without a successful renewal for the highest term within leaseMs, nor under a lower term', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 0, max: 30_000 }), (events, now) => {
      const s = fold(events);
      if (!mayRun(ME, s, now)) return;
      const terms = events.filter((e) => e.kind === 'term');
      const highest = Math.max(...terms.map((e) => e.term.term));
      const current = terms.find((e) => e.term.term === highest)!.term; // the first one of that term counts
      // This node is the master of the highest term it has seen.
      expect(current.nodeId).toBe(ME);
      // A successful renewal for that term was sent less than leaseMs before now.
      expect(events.some((e) => e.kind === 'renewed' && e.term === highest && now - e.sentAt < current.leaseMs)).toBe(true);
      // No other node's lease of a term as high or higher.
      expect(events.some((e) => e.kind === 'lease-seen' && e.nodeId !== ME && e.term >= highest)).toBe(false);
    }));
  });

  it('once lapsed, time alone never lets it run again', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 }), (events, t1, dt) => {
      const s = fold(events);
      if (!mayRun(ME, s, t1)) expect(mayRun(ME, s, Math.max(t1, lapsesAt(ME, s) ?? t1) + dt)).toBe(false);
    }));
  });

  it('the order in which terms arrive does not matter: the highest wins', () => {
    fc.assert(fc.property(fc.array(event.filter((e) => e.kind === 'term'), { minLength: 1, maxLength: 10 }), (events) => {
      const a = fold(events).term!;
      const b = fold([...events].reverse()).term!;
      expect(a.term).toBe(b.term);
    }));
  });
});
