import { FLUXNODE_START_TX_TYPE, TIERS, outpointKey, tierOfCollateral, type FluxnodeTx, type Script, type Tier } from './types';

/*
 * The deterministic fluxnode list, as fluxd keeps it: a v5 START transaction referencing a collateral
 * output adds a node as "started"; a CONFIRM with update_type 0 carrying the ip confirms it and puts it
 * at the back of its tier's payment queue; only confirmed nodes are in the list. Each block pays the
 * head of each tier's queue, which moves it to the back. Spending the collateral removes the node
 * (see state.ts). Periodic update confirmations and the confirmation-timeout expiry are not modelled.
 */

export interface NodeRecord {
  outpoint: string;
  collateralTxid: string;
  collateralN: number;
  collateralSat: number;
  tier: Tier;
  collateralAddress: string;
  paymentScript: Script;
  collateralPubkey: string;
  pubkey: string;
  ip: string;
  status: 'started' | 'confirmed';
  addedHeight: number;
  confirmedHeight: number;
  lastConfirmedHeight: number;
  lastPaidHeight: number;
  /** token of the node's current position in its tier queue (lazy deletion) */
  queueSeq: number;
}

/** An unspent output whose value is a collateral amount. */
export interface CollateralOutput {
  valueSat: number;
  script: Script & { address: string };
}

/**
 * A tier's payment queue. Requeueing a node appends a new item with a new seq instead of moving the
 * old one; items whose seq is no longer the node's (or whose node is gone) are skipped when met.
 */
interface TierQueue {
  items: Array<{ key: string; seq: number }>;
  head: number;
}

export interface FluxnodeList {
  nodes: Map<string, NodeRecord>;
  queues: Record<Tier, TierQueue>;
  seq: number;
}

export function emptyFluxnodeList(): FluxnodeList {
  return {
    nodes: new Map(),
    queues: { CUMULUS: { items: [], head: 0 }, NIMBUS: { items: [], head: 0 }, STRATUS: { items: [], head: 0 } },
    seq: 0,
  };
}

const isQueued = (list: FluxnodeList, item: { key: string; seq: number }): NodeRecord | undefined => {
  const node = list.nodes.get(item.key);
  return node && node.status === 'confirmed' && node.queueSeq === item.seq ? node : undefined;
};

/** The node the next block pays in `tier` (dropping stale queue items on the way). */
export function peekPayee(list: FluxnodeList, tier: Tier): NodeRecord | undefined {
  const q = list.queues[tier];
  while (q.head < q.items.length) {
    const node = isQueued(list, q.items[q.head]!);
    if (node) return node;
    q.head += 1;
  }
  if (q.head > 0) {
    q.items = [];
    q.head = 0;
  }
  return undefined;
}

function enqueue(list: FluxnodeList, node: NodeRecord): void {
  const q = list.queues[node.tier];
  node.queueSeq = ++list.seq;
  q.items.push({ key: node.outpoint, seq: node.queueSeq });
  if (q.head > 4096 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}

/** The block at `height` pays the head of each tier's queue: it moves to the back. */
export function payQueueHeads(list: FluxnodeList, height: number): void {
  for (const tier of TIERS) {
    const payee = peekPayee(list, tier);
    if (payee) {
      payee.lastPaidHeight = height;
      enqueue(list, payee);
    }
  }
}

/** Confirmed nodes, CUMULUS then NIMBUS then STRATUS, each in payment-queue order (rank from 0). */
export function nodesInPaymentOrder(list: FluxnodeList): Array<NodeRecord & { rank: number }> {
  const out: Array<NodeRecord & { rank: number }> = [];
  for (const tier of TIERS) {
    const q = list.queues[tier];
    let rank = 0;
    for (let i = q.head; i < q.items.length; i += 1) {
      const node = isQueued(list, q.items[i]!);
      if (node) out.push({ ...node, rank: rank++ });
    }
  }
  return out;
}

/** A START or CONFIRM transaction mined at `height`; a START needs an unspent collateral output. */
export function applyFluxnodeTx(list: FluxnodeList, collaterals: ReadonlyMap<string, CollateralOutput>, tx: FluxnodeTx, height: number): void {
  const key = outpointKey(tx.collateral.txid, tx.collateral.n);
  if (tx.nType === FLUXNODE_START_TX_TYPE) {
    const collateral = collaterals.get(key);
    const tier = collateral && tierOfCollateral(collateral.valueSat);
    if (!collateral || !tier || list.nodes.has(key)) return;
    list.nodes.set(key, {
      outpoint: key,
      collateralTxid: tx.collateral.txid,
      collateralN: tx.collateral.n,
      collateralSat: collateral.valueSat,
      tier,
      collateralAddress: collateral.script.address,
      paymentScript: collateral.script,
      collateralPubkey: tx.collateralPubkey ?? '',
      pubkey: tx.pubkey ?? '',
      ip: '',
      status: 'started',
      addedHeight: height,
      confirmedHeight: 0,
      lastConfirmedHeight: 0,
      lastPaidHeight: 0,
      queueSeq: 0,
    });
    return;
  }
  const node = list.nodes.get(key);
  if (!node) return;
  if (tx.updateType === 0 && node.status === 'started') {
    node.status = 'confirmed';
    node.confirmedHeight = height;
    node.lastConfirmedHeight = height;
    node.ip = tx.ip;
    enqueue(list, node);
  } else if (tx.updateType === 1 && node.status === 'confirmed') {
    node.lastConfirmedHeight = height;
    node.ip = tx.ip;
  }
}
