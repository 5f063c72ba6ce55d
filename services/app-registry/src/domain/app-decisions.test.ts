/**
 * The registry's rules, on the pure deciders: a broken rule fails here, fast, not only in the
 * integration tests. Boundaries (payment amounts around the price, payment time around the message's
 * expiry) are property-tested.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEvent, Subjects, type DomainEvent, type FluxMessage } from '@fluxplane/contracts';
import { minimumAcceptedSat, runtimeView } from '@fluxplane/flux-spec';
import {
  decideAccept, decidePromote, evolve, initialAppState, Refusal, type AcceptCommand, type AppState, type PromoteCommand,
} from './app-aggregate';

const OWNER = '1OwnerAddress';
const OTHER = '1SomeoneElse';
const T0 = new Date('2025-01-01T00:00:00Z');
const TTL = 3_600_000;
const hashOf = (n: number) => n.toString(16).padStart(64, '0');

const message = (n: number, type: FluxMessage['type'] = 'fluxappregister'): FluxMessage => ({
  type, version: 1, appSpecifications: { name: 'demo' }, hash: hashOf(n), timestamp: T0.getTime(), signature: `sig${n}`,
});

const accepted = (n: number, type: FluxMessage['type'] = 'fluxappregister', owner = OWNER): DomainEvent =>
  makeEvent('AppMessageAccepted', Subjects.app('demo'), {
    name: 'demo', owner, message: message(n, type), receivedAt: T0.toISOString(), validUntil: new Date(T0.getTime() + TTL).toISOString(),
  });

const registered = (n: number, owner = OWNER, height = 100): DomainEvent =>
  makeEvent('AppRegistered', Subjects.app('demo'), {
    name: 'demo', hash: hashOf(n), owner, spec: { name: 'demo' }, runtime: runtimeView({ name: 'demo' }), txid: `tx${n}`, height, expireBlocks: 1000,
    expiresAtHeight: height + 1000, timestamp: T0.getTime(), signature: `sig${n}`, amountSat: 1,
  });

const expired = (n: number): DomainEvent => makeEvent('AppExpired', Subjects.app('demo'), { name: 'demo', hash: hashOf(n), height: 2000 });

const stateOf = (...events: DomainEvent[]): AppState => events.reduce(evolve, initialAppState());

const accept = (state: AppState, patch: Partial<AcceptCommand> = {}) => decideAccept(state, {
  message: message(9), name: 'demo', owner: OWNER, signer: OWNER, receivedAt: T0, ttlMs: TTL, ...patch,
});

const refusalOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err.rule;
    throw err;
  }
};

const promote = (state: AppState, patch: Partial<PromoteCommand> = {}) => decidePromote(state, {
  hash: hashOf(1), message: message(1), owner: OWNER, name: 'demo', spec: { name: 'demo' },
  payment: { txid: 'tx1', height: 100, amountSat: 67_000_001, seenAt: T0 }, priceFlux: 0.67,
  validUntil: new Date(T0.getTime() + TTL), expireBlocks: 1000, ...patch,
});

describe('decideAccept', () => {
  it('records a new registration message, valid for the temporary-message TTL', () => {
    const data = accept(stateOf());
    expect(data).toMatchObject({ name: 'demo', owner: OWNER, receivedAt: T0.toISOString(), validUntil: new Date(T0.getTime() + TTL).toISOString() });
  });

  it('duplicate message: a hash already received, or already promoted, is refused', () => {
    expect(refusalOf(() => accept(stateOf(accepted(9))))).toEqual('DuplicateMessage');
    const promoted = stateOf(accepted(9), registered(9));
    expect(refusalOf(() => accept(promoted, { message: message(9, 'fluxappupdate') }))).toEqual('DuplicateMessage');
  });

  it('name taken: a registration for a registered name is refused, whoever sends it', () => {
    const state = stateOf(accepted(1), registered(1));
    expect(refusalOf(() => accept(state))).toEqual('NameTaken');
    expect(refusalOf(() => accept(state, { owner: OTHER, signer: OTHER }))).toEqual('NameTaken');
  });

  it('an expired name can be registered again', () => {
    expect(refusalOf(() => accept(stateOf(accepted(1), registered(1), expired(1)), { owner: OTHER, signer: OTHER }))).toBeUndefined();
  });

  it('an update needs a registration in force', () => {
    const update = { message: message(9, 'fluxappupdate') };
    expect(refusalOf(() => accept(stateOf(), update))).toEqual('AppNotFound');
    expect(refusalOf(() => accept(stateOf(accepted(1), registered(1), expired(1)), update))).toEqual('AppNotFound');
  });

  it('the owner may update, also to hand the app to a new owner', () => {
    const state = stateOf(accepted(1), registered(1));
    expect(refusalOf(() => accept(state, { message: message(9, 'fluxappupdate') }))).toBeUndefined();
    expect(refusalOf(() => accept(state, { message: message(9, 'zelappupdate'), owner: OTHER, signer: OWNER }))).toBeUndefined();
  });

  it('property: an update signed by anyone but the owner in force is refused', () => {
    const state = stateOf(accepted(1), registered(1));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== OWNER), (signer) => {
      expect(refusalOf(() => accept(state, { message: message(9, 'fluxappupdate'), signer }))).toEqual('message.signature');
    }));
  });
});

describe('decidePromote', () => {
  const waiting = stateOf(accepted(1));

  it('a paid registration becomes the app\'s registration', () => {
    expect(promote(waiting)).toMatchObject({ kind: 'AppRegistered', data: { hash: hashOf(1), amountSat: 67_000_001, expiresAtHeight: 1100 } });
  });

  it('underpayment: 0.67 FLUX is not covered by 67,000,000 sat (FluxOS: 0.67 * 1e8 = 67000000.00000001)', () => {
    const d = promote(waiting, { payment: { txid: 'tx1', height: 100, amountSat: 67_000_000, seenAt: T0 } });
    expect(d).toEqual({ kind: 'none', reason: expect.stringContaining('67000001 sat') });
  });

  it('property: a payment is promoted exactly when it reaches the smallest amount FluxOS accepts', () => {
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100);
    fc.assert(fc.property(price, fc.integer({ min: -3, max: 3 }), (priceFlux, delta) => {
      const amountSat = minimumAcceptedSat(priceFlux) + delta;
      const d = promote(waiting, { priceFlux, payment: { txid: 'tx1', height: 100, amountSat, seenAt: T0 } });
      expect(d.kind).toBe(delta >= 0 ? 'AppRegistered' : 'none');
    }));
  });

  it('property: late payment: promoted up to the message\'s expiry, not a millisecond after', () => {
    fc.assert(fc.property(fc.integer({ min: -TTL, max: TTL }), (offsetMs) => {
      const validUntil = new Date(T0.getTime() + TTL);
      const seenAt = new Date(validUntil.getTime() + offsetMs);
      const d = promote(waiting, { validUntil, payment: { txid: 'tx1', height: 100, amountSat: 67_000_001, seenAt } });
      expect(d.kind).toBe(offsetMs <= 0 ? 'AppRegistered' : 'none');
      if (d.kind === 'none') expect(d.reason).toMatch(/after the message expired/);
    }));
  });

  it('a message is promoted once, and only on the app it was accepted for', () => {
    expect(promote(stateOf(accepted(1), registered(1)))).toEqual({ kind: 'none', reason: 'already promoted' });
    expect(promote(stateOf())).toEqual({ kind: 'none', reason: 'message not accepted on this app' });
  });

  it('name taken: of two paid registrations, the first promoted wins', () => {
    const d = promote(stateOf(accepted(1), accepted(2), registered(2)));
    expect(d).toEqual({ kind: 'none', reason: 'name was registered by another message first' });
  });

  it('an update is promoted while the app is registered, not after it expired', () => {
    const update = { hash: hashOf(2), message: message(2, 'fluxappupdate') };
    expect(promote(stateOf(accepted(1), registered(1), accepted(2, 'fluxappupdate')), update).kind).toBe('AppUpdated');
    expect(promote(stateOf(accepted(1), registered(1), accepted(2, 'fluxappupdate'), expired(1)), update))
      .toEqual({ kind: 'none', reason: 'app is no longer registered' });
  });
});
