import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEvent, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { decideRollback, evolve, initialAppState, type AppState } from './app-aggregate';
import { runtimeView } from '@fluxplane/flux-spec';

const HASHES = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, '0'));
const app = (hash: string, height: number) => ({
  name: 'demo', hash, owner: '1owner', spec: { name: 'demo' }, runtime: runtimeView({ name: 'demo' }), txid: `tx${height}`, height, expireBlocks: 50,
  expiresAtHeight: height + 50, timestamp: 1, signature: 'sig', amountSat: 1,
});

/** A chain-ordered history of decisions: promotions and expiries at increasing heights. */
const history = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 20 }), op: fc.constantFrom('promote', 'expire') }), { maxLength: 12 }).map((steps) => {
  const events: Array<{ height: number; event: DomainEvent }> = [];
  let height = 0;
  let active = false;
  let n = 0;
  for (const s of steps) {
    height += s.gap;
    if (s.op === 'promote') {
      const type = active ? 'AppUpdated' : 'AppRegistered';
      events.push({ height, event: makeEvent(type, Subjects.app('demo'), app(HASHES[n++]!, height)) });
      active = true;
    } else if (active) {
      events.push({ height, event: makeEvent('AppExpired', Subjects.app('demo'), { name: 'demo', hash: HASHES[n - 1]!, height }) });
      active = false;
    }
  }
  return events;
});

const fold = (events: DomainEvent[], state = initialAppState()): AppState => events.reduce(evolve, state);
const view = (s: AppState) => ({ current: s.current, replaced: s.replaced, promoted: [...s.promoted].sort() });

describe('decideRollback', () => {
  it('property: undoing the decisions above a fork leaves the aggregate as if it had stopped at the fork', () => {
    fc.assert(fc.property(history, fc.integer({ min: 0, max: 250 }), (h, fork) => {
      const state = fold(h.map((x) => x.event));
      const undo = decideRollback(state, fork).map((d) => makeEvent(d.type, Subjects.app('demo'), d.data as never));
      const after = fold(undo, state);
      expect(view(after)).toEqual(view(fold(h.filter((x) => x.height <= fork).map((x) => x.event))));
      expect(decideRollback(after, fork)).toEqual([]);
    }));
  });

  it('restores the registration an update replaced, and counts reverts for new ids', () => {
    const s = fold([
      makeEvent('AppRegistered', Subjects.app('demo'), app(HASHES[0]!, 10)),
      makeEvent('AppUpdated', Subjects.app('demo'), app(HASHES[1]!, 20)),
    ]);
    const undo = decideRollback(s, 15);
    expect(undo).toEqual([{ type: 'AppRegistrationReverted', data: expect.objectContaining({ hash: HASHES[1], reverted: 'AppUpdated', restored: expect.objectContaining({ hash: HASHES[0], active: true }) }) }]);
    const after = fold(undo.map((d) => makeEvent(d.type, Subjects.app('demo'), d.data as never)), s);
    expect(after.current?.hash).toBe(HASHES[0]);
    expect(after.reverts.get(`AppUpdated:${HASHES[1]}`)).toBe(1);
  });
});
