import { deterministicId, EventEnvelope, makeEvent, Subjects } from '@fluxplane/contracts';
import type { ChainFact, UndoFact } from '../domain';

export interface BlockHeader {
  height: number;
  hash: string;
  previousHash: string | null;
  time: number;
  txCount: number;
}

/** A fluxnode's ip field may carry a port (`1.2.3.4:16125`); the control plane wants the address. */
export function hostOf(ip: string): string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  return m ? m[1]! : ip.replace(/^\[(.*)\](:\d+)?$/, '$1');
}

/**
 * The facts of a block that become events: every node fact and price soft fork, and the payments
 * whose hash was never confirmed before (FluxOS indexes a hash only the first time it is paid).
 * Consumes the hashes it uses from `unconfirmedHashes`, so a hash paid twice in one batch of blocks is
 * confirmed once.
 */
export function emittedFacts(facts: ReadonlyArray<ChainFact>, unconfirmedHashes: Set<string>): ChainFact[] {
  return facts.filter((f) => {
    if (f.kind === 'node-registered' || f.kind === 'node-expired' || f.kind === 'price-soft-fork') return true;
    if (f.kind !== 'app-payment' || !unconfirmedHashes.has(f.hash)) return false;
    unconfirmedHashes.delete(f.hash);
    return true;
  });
}

/**
 * The events one block yields on `evt.chain`, in block order and ending with BlockIndexed. Ids are
 * derived from the block hash and position, so recomputing a block after a crash gives the same
 * events, which lets the indexer recognise what it had already appended.
 */
export function blockEvents(block: BlockHeader, facts: ChainFact[], newPaymentHashes: Set<string>): EventEnvelope[] {
  const subject = Subjects.chain();
  const out: EventEnvelope[] = [];
  const id = () => deterministicId('chain', block.hash, out.length);
  for (const f of emittedFacts(facts, newPaymentHashes)) {
    switch (f.kind) {
      case 'node-registered':
        out.push(makeEvent('NodeRegistered', subject, { nodeId: f.nodeId, ip: hostOf(f.ip), tier: f.tier, collateralSat: f.collateralSat, txid: f.txid, height: f.height }, { id: id() }));
        break;
      case 'node-expired':
        out.push(makeEvent('NodeExpired', subject, { nodeId: f.nodeId, height: f.height, reason: f.reason }, { id: id() }));
        break;
      case 'app-payment':
        out.push(makeEvent('AppPaymentConfirmed', subject, { hash: f.hash, txid: f.txid, height: f.height, amountSat: f.amountSat, address: f.address }, { id: id() }));
        break;
      case 'price-soft-fork':
        out.push(makeEvent('PriceScheduleChanged', subject, {
          height: f.height, txid: f.txid, message: f.message,
          cpu: f.cpu, ram: f.ram, hdd: f.hdd, minPrice: f.minPrice, port: f.port, scope: f.scope, staticip: f.staticip,
        }, { id: id() }));
        break;
      default:
        break;
    }
  }
  out.push(makeEvent('BlockIndexed', subject, { height: block.height, hash: block.hash, previousHash: block.previousHash, time: block.time, txCount: block.txCount }, { id: id() }));
  return out;
}

/** What the indexer keeps of a block to undo it: its header, state change and compensating facts. */
export interface RevertibleBlock {
  height: number;
  hash: string;
  previousHash: string | null;
  undo: ReadonlyArray<UndoFact>;
}

/**
 * The compensating events of one reverted block: the inverse of each of its events, newest first,
 * then BlockReverted. Ids derive from the reverted block's hash, like its forward events.
 */
export function revertEvents(block: RevertibleBlock): EventEnvelope[] {
  const subject = Subjects.chain();
  const out: EventEnvelope[] = [];
  const id = () => deterministicId('chain-revert', block.hash, out.length);
  for (const u of block.undo) {
    switch (u.kind) {
      case 'node-registration-reverted':
        out.push(makeEvent('NodeRegistrationReverted', subject, { nodeId: u.nodeId, height: u.height, txid: u.txid }, { id: id() }));
        break;
      case 'node-expiry-reverted':
        out.push(makeEvent('NodeExpiryReverted', subject, { nodeId: u.nodeId, height: u.height, ip: hostOf(u.ip), tier: u.tier, collateralSat: u.collateralSat }, { id: id() }));
        break;
      case 'app-payment-reverted':
        out.push(makeEvent('AppPaymentReverted', subject, { hash: u.hash, txid: u.txid, height: u.height }, { id: id() }));
        break;
      case 'price-soft-fork-reverted':
        out.push(makeEvent('PriceScheduleChangeReverted', subject, { txid: u.txid, height: u.height }, { id: id() }));
        break;
      default:
        break;
    }
  }
  out.push(makeEvent('BlockReverted', subject, { height: block.height, hash: block.hash, previousHash: block.previousHash }, { id: id() }));
  return out;
}

/** Closes a rollback: appended after the compensations of every reverted block. */
export function reorgEvent(r: { forkHeight: number; oldTipHeight: number; oldTipHash: string }): EventEnvelope {
  return makeEvent('ChainReorganized', Subjects.chain(), { ...r, depth: r.oldTipHeight - r.forkHeight }, {
    id: deterministicId('chain-reorg', r.oldTipHash, r.forkHeight),
  });
}
