import type { ChainFact } from './facts';
import type { StateDelta } from './state';
import type { Tier } from '@fluxplane/flux-spec';

/*
 * How to undo a block on the bus. A block's state change is undone with `invertStateDelta`; the events
 * it yielded are undone with these facts, computed when the block is indexed and stored with it (so a
 * rollback needs neither the losing branch's blocks nor a read of the event stream).
 */

export interface NodeRegistrationRevertedFact {
  readonly kind: 'node-registration-reverted';
  readonly nodeId: string;
  readonly height: number;
  readonly txid: string;
}

export interface NodeExpiryRevertedFact {
  readonly kind: 'node-expiry-reverted';
  readonly nodeId: string;
  readonly height: number;
  readonly ip: string;
  readonly tier: Tier;
  readonly collateralSat: number;
}

export interface AppPaymentRevertedFact {
  readonly kind: 'app-payment-reverted';
  readonly hash: string;
  readonly txid: string;
  readonly height: number;
}

export interface PriceSoftForkRevertedFact {
  readonly kind: 'price-soft-fork-reverted';
  readonly txid: string;
  readonly height: number;
}

export type UndoFact = NodeRegistrationRevertedFact | NodeExpiryRevertedFact | AppPaymentRevertedFact | PriceSoftForkRevertedFact;

/**
 * The facts that undo `emitted` (the facts of one block that became events, in block order), newest
 * first. `delta` is the block's state change: an expired node's ip and tier are its state before the
 * block, unless the node was also registered in this very block.
 */
export function undoFacts(emitted: ReadonlyArray<ChainFact>, delta: StateDelta): UndoFact[] {
  const registeredHere = new Map<string, { ip: string; tier: Tier; collateralSat: number }>();
  const out: UndoFact[] = [];
  for (const f of emitted) {
    switch (f.kind) {
      case 'node-registered':
        registeredHere.set(f.nodeId, { ip: f.ip, tier: f.tier, collateralSat: f.collateralSat });
        out.push({ kind: 'node-registration-reverted', nodeId: f.nodeId, height: f.height, txid: f.txid });
        break;
      case 'node-expired': {
        const before = registeredHere.get(f.nodeId) ?? delta.nodes.find((c) => c.key === f.nodeId && c.before?.status === 'confirmed')?.before;
        if (!before) throw new Error(`no state of expired node ${f.nodeId} at height ${f.height}`);
        out.push({ kind: 'node-expiry-reverted', nodeId: f.nodeId, height: f.height, ip: before.ip, tier: before.tier, collateralSat: before.collateralSat });
        break;
      }
      case 'app-payment':
        out.push({ kind: 'app-payment-reverted', hash: f.hash, txid: f.txid, height: f.height });
        break;
      case 'price-soft-fork':
        out.push({ kind: 'price-soft-fork-reverted', txid: f.txid, height: f.height });
        break;
      default:
        break;
    }
  }
  return out.reverse();
}

/**
 * The fork point: the highest height at which the indexed chain and the node's active chain have the
 * same block. `local` and `remote` map heights to block hashes over the same range; undefined when
 * they differ everywhere in it (the fork is deeper than the range).
 */
export function forkHeight(local: ReadonlyMap<number, string>, remote: ReadonlyMap<number, string>): number | undefined {
  const heights = [...local.keys()].sort((a, b) => b - a);
  for (const h of heights) if (remote.get(h) === local.get(h)) return h;
  return undefined;
}
