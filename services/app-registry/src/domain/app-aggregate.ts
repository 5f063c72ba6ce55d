import type { DomainEvent, EventData, FluxMessage, RegisteredApp, RestoredApp } from '@fluxplane/contracts';
import { Refusal } from '@fluxplane/contracts';
import { minimumAcceptedSat, paymentCoversPrice, runtimeView } from '@fluxplane/flux-spec';

/**
 * The app aggregate (`evt.app.<name>`): which message hashes it has seen, which were paid, the
 * registration in force, and the registrations it replaced (what undoing a promotion restores).
 * Pure: `evolve` folds events, the `decide*` functions turn a command and the state into events or a
 * refusal.
 */
export type AppEntry = RestoredApp;

export interface AppState {
  accepted: Map<string, { owner: string; type: string }>;
  promoted: Set<string>;
  current?: AppEntry;
  /** Registrations replaced by later promotions, oldest first. */
  replaced: AppEntry[];
  /**
   * How often each decision (`<event type>:<hash>`) was reverted. A decision made again after a revert
   * needs a new deterministic id, or JetStream's de-duplication would drop it as a retry.
   */
  reverts: Map<string, number>;
}

export const initialAppState = (): AppState => ({ accepted: new Map(), promoted: new Set(), replaced: [], reverts: new Map() });

const bump = (state: AppState, key: string) => state.reverts.set(key, (state.reverts.get(key) ?? 0) + 1);

export function evolve(state: AppState, event: DomainEvent): AppState {
  switch (event.type) {
    case 'AppMessageAccepted':
      state.accepted.set(event.data.message.hash, { owner: event.data.owner, type: event.data.message.type });
      return state;
    case 'AppRegistered':
    case 'AppUpdated':
      state.promoted.add(event.data.hash);
      if (state.current) state.replaced.push(state.current);
      state.current = { ...event.data, promotedBy: event.type, active: true, expiredAtHeight: null };
      return state;
    case 'AppExpired':
      if (state.current && state.current.hash === event.data.hash) state.current = { ...state.current, active: false, expiredAtHeight: event.data.height };
      return state;
    case 'AppRegistrationReverted':
      state.promoted.delete(event.data.hash);
      bump(state, `${event.data.reverted}:${event.data.hash}`);
      state.replaced.pop();
      state.current = event.data.restored ?? undefined;
      return state;
    case 'AppExpiryReverted':
      bump(state, `AppExpired:${event.data.hash}`);
      if (state.current && state.current.hash === event.data.hash) state.current = { ...state.current, active: true, expiredAtHeight: null };
      return state;
    default:
      return state;
  }
}

/** How many times a decision on `hash` was reverted (0 = never): part of its next id. */
export function revertCount(state: AppState, type: 'AppRegistered' | 'AppUpdated' | 'AppExpired', hash: string): number {
  return state.reverts.get(`${type}:${hash}`) ?? 0;
}

/** Deciders refuse with the contracts' one refusal type (rule + message); the responder maps it to the wire. */
export { Refusal };

const isUpdate = (type: string) => type === 'fluxappupdate' || type === 'zelappupdate';

export interface AcceptCommand {
  message: FluxMessage;
  name: string;
  /** The owner the message's spec names. */
  owner: string;
  /**
   * The address the message's signature was verified against: the spec's owner for a registration,
   * the owner the caller believed current for an update (FluxOS verifies updates against the
   * PREVIOUS owner, fluxos.md §2 "Signature").
   */
  signer: string;
  receivedAt: Date;
  ttlMs: number;
}

export function decideAccept(state: AppState, cmd: AcceptCommand): EventData<'AppMessageAccepted'> {
  const hash = cmd.message.hash;
  if (state.accepted.has(hash) || state.promoted.has(hash)) {
    throw new Refusal('DuplicateMessage', `a message with hash ${hash} was already received`);
  }
  const active = state.current?.active ? state.current : undefined;
  if (isUpdate(cmd.message.type)) {
    if (!active) throw new Refusal('AppNotFound', `app ${cmd.name} is not registered, so it cannot be updated`);
    // The signature was checked against what a (possibly lagging) read model said the owner was; the
    // aggregate has the last word: only the owner in force may update.
    if (cmd.signer !== active.owner) {
      throw new Refusal('message.signature', `app ${cmd.name} is owned by ${active.owner}; an update signed by ${cmd.signer} is not accepted`);
    }
  } else if (active) {
    throw new Refusal('NameTaken', `app name ${cmd.name} is already registered${active.owner === cmd.owner ? ' by you: use an update' : ' by another owner'}`);
  }
  return {
    name: cmd.name,
    owner: cmd.owner,
    message: cmd.message,
    receivedAt: cmd.receivedAt.toISOString(),
    validUntil: new Date(cmd.receivedAt.getTime() + cmd.ttlMs).toISOString(),
  };
}

export interface PromoteCommand {
  hash: string;
  message: FluxMessage;
  owner: string;
  name: string;
  /** The formatted spec that was verified. */
  spec: Record<string, unknown>;
  payment: { txid: string; height: number; amountSat: number; seenAt: Date };
  /** The price in FLUX, exactly as FluxOS computes it (registrationAmount / updateAmount). */
  priceFlux: number;
  validUntil: Date;
  expireBlocks: number;
}

export type PromoteDecision =
  | { kind: 'AppRegistered' | 'AppUpdated'; data: RegisteredApp }
  | { kind: 'none'; reason: string };

/** A paid message becomes the app's registration (or update), if it is paid enough and in time. */
export function decidePromote(state: AppState, cmd: PromoteCommand): PromoteDecision {
  if (state.promoted.has(cmd.hash)) return { kind: 'none', reason: 'already promoted' };
  if (!state.accepted.has(cmd.hash)) return { kind: 'none', reason: 'message not accepted on this app' };
  // FluxOS's comparison, unrounded (`valueSat >= price * 1e8`): 0.67 FLUX needs 67,000,001 sat.
  if (!paymentCoversPrice(cmd.payment.amountSat, cmd.priceFlux)) {
    return { kind: 'none', reason: `paid ${cmd.payment.amountSat} sat, price ${cmd.priceFlux} FLUX needs at least ${minimumAcceptedSat(cmd.priceFlux)} sat` };
  }
  if (cmd.payment.seenAt.getTime() > cmd.validUntil.getTime()) return { kind: 'none', reason: 'payment arrived after the message expired' };
  const active = state.current?.active ? state.current : undefined;
  const update = isUpdate(cmd.message.type);
  if (update && !active) return { kind: 'none', reason: 'app is no longer registered' };
  if (!update && active) return { kind: 'none', reason: 'name was registered by another message first' };
  return {
    kind: update ? 'AppUpdated' : 'AppRegistered',
    data: {
      name: cmd.name,
      hash: cmd.hash,
      owner: cmd.owner,
      spec: cmd.spec,
      runtime: runtimeView(cmd.spec),
      txid: cmd.payment.txid,
      height: cmd.payment.height,
      expireBlocks: cmd.expireBlocks,
      expiresAtHeight: cmd.payment.height + cmd.expireBlocks,
      timestamp: cmd.message.timestamp,
      signature: cmd.message.signature,
      amountSat: cmd.payment.amountSat,
    },
  };
}

export function decideExpire(state: AppState, height: number): EventData<'AppExpired'> | undefined {
  const cur = state.current;
  if (!cur || !cur.active || cur.expiresAtHeight > height) return undefined;
  return { name: cur.name, hash: cur.hash, height };
}

export type RollbackDecision =
  | { type: 'AppRegistrationReverted'; data: EventData<'AppRegistrationReverted'> }
  | { type: 'AppExpiryReverted'; data: EventData<'AppExpiryReverted'> };

/**
 * The chain was reorganised below `forkHeight`: every decision this aggregate made from chain facts
 * above it is undone, newest first — an expiry decided at a height above the fork, a promotion whose
 * payment is above the fork (and everything after it, since promotions stack). What remains is what
 * the aggregate would be had it only seen the chain up to the fork; promotions and expiries on the
 * winning branch are then decided anew by the usual reactor.
 */
export function decideRollback(state: AppState, forkHeight: number): RollbackDecision[] {
  const out: RollbackDecision[] = [];
  const replaced = [...state.replaced];
  let cur = state.current;
  const expiredAbove = (e: AppEntry) => !e.active && e.expiredAtHeight !== null && e.expiredAtHeight > forkHeight;
  while (cur && (cur.height > forkHeight || expiredAbove(cur) || replaced.some((r) => r.height > forkHeight))) {
    if (expiredAbove(cur)) {
      out.push({ type: 'AppExpiryReverted', data: { name: cur.name, hash: cur.hash, height: cur.expiredAtHeight! } });
      cur = { ...cur, active: true, expiredAtHeight: null };
      continue;
    }
    const restored = replaced.pop() ?? null;
    out.push({ type: 'AppRegistrationReverted', data: { name: cur.name, hash: cur.hash, height: cur.height, reverted: cur.promotedBy, restored } });
    cur = restored ?? undefined;
  }
  return out;
}
