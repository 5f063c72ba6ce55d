import { derivePubkey, decodeAddress, p2pkhAddressOfPubkey, sha256 } from './encoding';
import {
  blockSize,
  coinbaseScriptSig,
  fakeScriptSig,
  fakeSignature,
  headerHash,
  makeFluxnodeTx,
  makeTransparentTx,
  merkleRoot,
  pushData,
} from './txbuild';
import {
  COIN,
  FLUXNODE_CONFIRM_TX_TYPE,
  FLUXNODE_START_TX_TYPE,
  TIERS,
  TIER_NUMBER,
  outpointKey,
  tierOfCollateral,
  type Block,
  type FluxnodeTx,
  type Script,
  type Tier,
  type TransparentTx,
  type Tx,
  type TxOut,
} from './types';

/*
 * The devchain's chain model: pure in-memory state, no I/O, an injectable clock.
 *
 * What it models (and what it does not):
 * - An active chain from a genesis block, each block linking to the previous one by hash; block hashes,
 *   txids and merkle roots are real double-SHA256 over a Zcash-style serialisation.
 * - A mempool of transactions built at submission time by a devchain "wallet" (a premined output in
 *   genesis, spent as a chain of change outputs). Signatures are fake; nothing is validated
 *   cryptographically. Coinbase maturity and the 100-confirmation collateral rule are not enforced.
 * - Fluxnodes as fluxd does it: a collateral output of 1000/12500/40000 FLUX (old 10000/25000/100000
 *   also accepted), then a v5 START transaction referencing it (block N+1), then a v5 CONFIRM
 *   transaction with update_type 0 carrying the ip (block N+2); only confirmed nodes are in the
 *   deterministic list. A node leaves the list when its collateral output is spent (`expireNode`).
 *   Periodic update confirmations and the confirmation-timeout expiry are not modelled.
 * - Node payouts: each block's coinbase pays the head of each tier's queue (amounts illustrative),
 *   which sets last_paid_height and moves the node to the back of the queue.
 * - Reorganisations: `reorg(depth)` replaces the last `depth` blocks by a new branch one block longer.
 *   Mode "remine" (default) puts the losing branch's transactions back in the mempool in order, so the
 *   new branch re-mines them (same txids, new blocks); mode "drop" discards them and the whole mempool.
 *   The replaced blocks stay known (getblock by hash, confirmations -1) and their tip is reported by
 *   getchaintips as a "valid-fork".
 */

export type ReorgMode = 'remine' | 'drop';

export interface DevChainOptions {
  /** genesis block time (unix seconds); default: the clock's now */
  genesisTime?: number;
  /** clock in milliseconds; default Date.now */
  now?: () => number;
  reorgMode?: ReorgMode;
  /** where `pay` sends by default; default the current mainnet apps address */
  appsAddress?: string;
  /** fee of every devchain wallet transaction, in satoshis */
  feeSat?: number;
  /** the foundation multisig soft forks are sent from and to; default the current mainnet apps address */
  foundationAddress?: string;
}

export const MAINNET_APPS_ADDRESS = 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX';
/** What the wallet moves to the foundation multisig before each soft fork (the soft fork then spends it). */
export const SOFT_FORK_FUNDING_SAT = 1 * COIN;
/** The wallet's premine: genesis pays PREMINE_OUTPUTS outputs of PREMINE_SAT each (kept below 2^53 satoshis). */
export const PREMINE_SAT = 40_000_000 * COIN;
export const PREMINE_OUTPUTS = 10;
const DEFAULT_FEE_SAT = 10_000;
/** Illustrative block rewards (satoshis); fluxd's real schedule is not modelled. */
const MINER_REWARD_SAT = 7.5 * COIN;
const NODE_PAYOUT_SAT: Record<Tier, number> = { CUMULUS: 1.125 * COIN, NIMBUS: 1.875 * COIN, STRATUS: 4.5 * COIN };
const BLOCK_VERSION = 4;
const BITS = '1f07ffff';

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

interface Utxo {
  txid: string;
  n: number;
  valueSat: number;
}

interface ChainState {
  wallet: Utxo;
  /** next unspent premine output of the genesis coinbase (1..PREMINE_OUTPUTS-1) */
  reserveNext: number;
  genesisTxid: string;
  /** unspent outputs whose value is a collateral amount (txid:n) */
  collaterals: Map<string, { valueSat: number; script: Script & { address: string } }>;
  nodes: Map<string, NodeRecord>;
  queues: Record<Tier, { items: Array<{ key: string; seq: number }>; head: number }>;
  seq: number;
}

/** A copy of the state every this many blocks... */
const CHECKPOINT_EVERY = 1000;
/** ...of which the newest this many are kept: reorganisations up to ≈ 5,000 blocks deep skip most of the replay. */
const CHECKPOINTS_KEPT = 5;

interface MempoolEntry {
  tx: Tx;
  /** txids that must be in an *earlier* block */
  deps: string[];
}

export interface RegisteredNode {
  nodeId: string;
  tier: Tier;
  collateralSat: number;
  collateralAddress: string;
  collateralTxid: string;
  startTxid: string;
  confirmTxid: string;
  ip: string;
}

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork';
}

export interface ReorgResult {
  forkHeight: number;
  depth: number;
  mode: ReorgMode;
  oldTip: string;
  newTip: string;
  height: number;
  removed: string[];
  /** losing-branch transactions dropped (mode "drop") or put back in the mempool (mode "remine") */
  transactions: number;
}

export interface SyntheticMix {
  /** expected node registrations per block */
  registrations?: number;
  /** expected app payments per block */
  payments?: number;
  /** expected node expiries (collateral spends) per block */
  expiries?: number;
  seed?: number;
}

export class DevChainError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'DevChainError';
  }
}

function scriptFor(address: string): Script {
  const { kind, hash } = decodeAddress(address);
  return { kind, hash, address };
}

function p2pkh(seed: string): { script: Script; pubkey: Buffer } {
  const pubkey = derivePubkey(seed);
  const { hash, address } = p2pkhAddressOfPubkey(pubkey);
  return { script: { kind: 'p2pkh', hash, address }, pubkey };
}

const WALLET = p2pkh('devchain-wallet');
const MINER = p2pkh('devchain-miner');
export const DEVCHAIN_WALLET_ADDRESS = (WALLET.script as { address: string }).address;
export const DEVCHAIN_MINER_ADDRESS = (MINER.script as { address: string }).address;

function emptyState(): ChainState {
  return {
    wallet: { txid: '', n: 0, valueSat: 0 },
    reserveNext: 1,
    genesisTxid: '',
    collaterals: new Map(),
    nodes: new Map(),
    queues: { CUMULUS: { items: [], head: 0 }, NIMBUS: { items: [], head: 0 }, STRATUS: { items: [], head: 0 } },
    seq: 0,
  };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DevChain {
  private readonly now: () => number;
  readonly reorgMode: ReorgMode;
  readonly appsAddress: string;
  readonly foundationAddress: string;
  private readonly feeSat: number;

  private active: Block[] = [];
  private readonly byHash = new Map<string, Block>();
  /** hashes of blocks that were the active tip when a reorg replaced them */
  private readonly staleTips: string[] = [];
  private state: ChainState = emptyState();
  /**
   * Copies of the state at every CHECKPOINT_EVERY-th height of the active chain, the newest
   * CHECKPOINTS_KEPT of them: a reorganisation replays from the checkpoint below its fork instead of
   * from genesis (fluxd disconnects blocks with undo data; either way the cost is the depth, not the height).
   */
  private checkpoints: Array<{ height: number; state: ChainState }> = [];
  private mempool: MempoolEntry[] = [];
  private pendingWallet: Utxo = { txid: '', n: 0, valueSat: 0 };
  private pendingReserve = 1;
  /** every node ever submitted, for expireNode lookups */
  private readonly registry = new Map<string, { collateralSat: number; address: string; pubkey: Buffer }>();
  private extraNonce = 0;
  private nodeCounter = 0;
  private readonly listeners: Array<(block: Block) => void> = [];

  constructor(options: DevChainOptions = {}, blocks?: readonly Block[]) {
    this.now = options.now ?? Date.now;
    this.reorgMode = options.reorgMode ?? 'remine';
    this.appsAddress = options.appsAddress ?? MAINNET_APPS_ADDRESS;
    scriptFor(this.appsAddress); // validates
    this.foundationAddress = options.foundationAddress ?? MAINNET_APPS_ADDRESS;
    scriptFor(this.foundationAddress);
    this.feeSat = options.feeSat ?? DEFAULT_FEE_SAT;
    if (blocks && blocks.length > 0) {
      for (const block of blocks) this.loadBlock(block);
    } else {
      this.connect(this.buildGenesis(options.genesisTime ?? Math.floor(this.now() / 1000)));
    }
    this.pendingWallet = { ...this.state.wallet };
    this.pendingReserve = this.state.reserveNext;
  }

  // ---------------------------------------------------------------- reads

  get height(): number {
    return this.active.length - 1;
  }

  get tip(): Block {
    return this.active[this.active.length - 1]!;
  }

  blockAt(height: number): Block | undefined {
    return this.active[height];
  }

  blockByHash(hash: string): Block | undefined {
    return this.byHash.get(hash);
  }

  isActive(block: Block): boolean {
    return this.active[block.height]?.hash === block.hash;
  }

  mempoolTxids(): string[] {
    return this.mempool.map((e) => e.tx.txid);
  }

  /** Confirmed nodes, CUMULUS then NIMBUS then STRATUS, each in payment-queue order (rank from 0). */
  deterministicList(): Array<NodeRecord & { rank: number }> {
    const out: Array<NodeRecord & { rank: number }> = [];
    for (const tier of TIERS) {
      const q = this.state.queues[tier];
      let rank = 0;
      for (let i = q.head; i < q.items.length; i += 1) {
        const { key, seq } = q.items[i]!;
        const node = this.state.nodes.get(key);
        if (node && node.status === 'confirmed' && node.queueSeq === seq) out.push({ ...node, rank: rank++ });
      }
    }
    return out;
  }

  node(nodeId: string): NodeRecord | undefined {
    const n = this.state.nodes.get(nodeId);
    return n ? { ...n } : undefined;
  }

  chainTips(): ChainTip[] {
    const tips: ChainTip[] = [{ height: this.height, hash: this.tip.hash, branchlen: 0, status: 'active' }];
    for (const hash of this.staleTips) {
      const block = this.byHash.get(hash)!;
      if (this.isActive(block)) continue;
      let cursor: Block | undefined = block;
      while (cursor && !this.isActive(cursor)) cursor = cursor.prev ? this.byHash.get(cursor.prev) : undefined;
      const forkHeight = cursor ? cursor.height : 0;
      tips.push({ height: block.height, hash: block.hash, branchlen: block.height - forkHeight, status: 'valid-fork' });
    }
    return tips.sort((a, b) => b.height - a.height);
  }

  onBlock(listener: (block: Block) => void): void {
    this.listeners.push(listener);
  }

  // ---------------------------------------------------------------- submissions

  registerNode(input: { ip: string; collateral: number }): RegisteredNode {
    const collateralSat = Math.round(input.collateral * COIN);
    const tier = tierOfCollateral(collateralSat);
    if (!tier) throw new DevChainError(`collateral must be 1000, 12500 or 40000 FLUX (or the old 10000/25000/100000), got ${input.collateral}`);
    if (!input.ip || input.ip.length > 60) throw new DevChainError('ip must be a non-empty string of at most 60 characters');
    const seed = `node:${this.nodeCounter++}:${input.ip}:${this.height}`;
    const collateralKey = p2pkh(`${seed}:collateral`);
    const fluxnodePubkey = derivePubkey(`${seed}:fluxnode`);
    const collateralAddress = (collateralKey.script as { address: string }).address;

    const collateralTx = this.walletTx([{ valueSat: collateralSat, script: collateralKey.script }]);
    const nodeId = outpointKey(collateralTx.txid, 0);
    const sigtime = Math.floor(this.now() / 1000);
    const start = makeFluxnodeTx({
      nType: FLUXNODE_START_TX_TYPE,
      collateral: { txid: collateralTx.txid, n: 0 },
      collateralPubkey: collateralKey.pubkey.toString('hex'),
      pubkey: fluxnodePubkey.toString('hex'),
      sigtime,
      sig: fakeSignature(`${seed}:start`),
      ip: '',
    });
    const confirm = makeFluxnodeTx({
      nType: FLUXNODE_CONFIRM_TX_TYPE,
      collateral: { txid: collateralTx.txid, n: 0 },
      sigtime,
      sig: fakeSignature(`${seed}:confirm`),
      ip: input.ip,
      updateType: 0,
      benchmarkTier: TIER_NUMBER[tier],
      benchmarkSigtime: sigtime,
      benchmarkSig: fakeSignature(`${seed}:bench`),
    });
    this.mempool.push({ tx: collateralTx, deps: [] });
    this.mempool.push({ tx: start, deps: [collateralTx.txid] });
    this.mempool.push({ tx: confirm, deps: [start.txid] });
    this.registry.set(nodeId, { collateralSat, address: collateralAddress, pubkey: collateralKey.pubkey });
    return {
      nodeId,
      tier,
      collateralSat,
      collateralAddress,
      collateralTxid: collateralTx.txid,
      startTxid: start.txid,
      confirmTxid: confirm.txid,
      ip: input.ip,
    };
  }

  /**
   * An app payment: `amountSat` to `address` (default the apps address), change back to the wallet,
   * and, as the *last* output, OP_RETURN <message as ASCII>. FluxOS decodes the message from the last
   * output, so it must come last. Any ASCII message of ≤80 bytes is accepted, so tests can also
   * create payments an indexer must ignore (not 64 characters).
   */
  pay(input: { hash: string; amountSat: number; address?: string }): { txid: string; address: string } {
    if (!Number.isSafeInteger(input.amountSat) || input.amountSat <= 0) throw new DevChainError('amount must be a positive number of satoshis');
    const message = Buffer.from(input.hash, 'latin1');
    if (message.length === 0 || message.length > 80 || !/^[\x20-\x7e]*$/.test(input.hash)) {
      throw new DevChainError('hash must be 1–80 printable ASCII characters (an app hash is 64 hex characters)');
    }
    const address = input.address ?? this.appsAddress;
    let script: Script;
    try {
      script = scriptFor(address);
    } catch (error) {
      throw new DevChainError(`bad address: ${(error as Error).message}`);
    }
    const tx = this.walletTx([{ valueSat: input.amountSat, script }], { kind: 'nulldata', data: message.toString('hex') });
    this.mempool.push({ tx, deps: [] });
    return { txid: tx.txid, address };
  }

  /**
   * A soft fork message (FluxOS explorerService): a transaction that spends an output owned by the
   * foundation multisig, pays the multisig, and ends with OP_RETURN <message as ASCII> (last output,
   * like a payment). The devchain wallet holds no multisig output, so a funding transaction (wallet →
   * multisig) comes first; the soft fork spends it, in the same block. A price message is
   * `p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>]`; any printable message is accepted,
   * so tests can also send ones an indexer must ignore.
   */
  softFork(input: { message: string }): { txid: string; fundingTxid: string; address: string } {
    const message = Buffer.from(input.message, 'latin1');
    if (message.length === 0 || message.length > 80 || !/^[\x20-\x7e]*$/.test(input.message)) {
      throw new DevChainError('message must be 1–80 printable ASCII characters (a price message is p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>])');
    }
    const foundation = scriptFor(this.foundationAddress);
    const funding = this.walletTx([{ valueSat: SOFT_FORK_FUNDING_SAT, script: foundation }]);
    const tx = makeTransparentTx({
      vin: [{ txid: funding.txid, n: 0, valueSat: SOFT_FORK_FUNDING_SAT, address: this.foundationAddress, scriptSig: multisigScriptSig(`softfork:${funding.txid}`) }],
      vout: [
        { valueSat: SOFT_FORK_FUNDING_SAT - this.feeSat, script: foundation },
        { valueSat: 0, script: { kind: 'nulldata', data: message.toString('hex') } },
      ],
      locktime: 0,
      expiryheight: this.height + 21,
    });
    // no hard dependency: the miner takes a transaction whose input was created earlier in the same block
    this.mempool.push({ tx: funding, deps: [] }, { tx, deps: [] });
    return { txid: tx.txid, fundingTxid: funding.txid, address: this.foundationAddress };
  }

  /** Spend a node's collateral (back to the wallet): fluxd drops the node from the list when its collateral is spent. */
  expireNode(nodeId: string): { txid: string } {
    const reg = this.registry.get(nodeId);
    const confirmed = this.state.collaterals.get(nodeId);
    const pendingCollateral = this.mempool.some((e) => e.tx.kind === 'transparent' && outpointKey(e.tx.txid, 0) === nodeId);
    if (!reg || (!confirmed && !pendingCollateral)) throw new DevChainError(`no unspent collateral ${nodeId}`, 404);
    const spending = this.mempool.find((e) => e.tx.kind === 'transparent' && e.tx.vin.some((i) => outpointKey(i.txid, i.n) === nodeId));
    if (spending) throw new DevChainError(`collateral ${nodeId} is already being spent by ${spending.tx.txid}`, 409);
    const [txid, n] = nodeId.split(':') as [string, string];
    const tx = makeTransparentTx({
      vin: [{ txid, n: Number(n), valueSat: reg.collateralSat, address: reg.address, scriptSig: fakeScriptSig(`spend:${nodeId}`, reg.pubkey) }],
      vout: [{ valueSat: reg.collateralSat - this.feeSat, script: WALLET.script }],
      locktime: 0,
      expiryheight: this.height + 21,
    });
    const deps = this.mempool
      .filter((e) => (e.tx.kind === 'fluxnode' ? outpointKey(e.tx.collateral.txid, e.tx.collateral.n) === nodeId : e.tx.txid === txid))
      .map((e) => e.tx.txid);
    this.mempool.push({ tx, deps });
    return { txid: tx.txid };
  }

  private walletTx(outputs: TxOut[], last?: Script): TransparentTx {
    const inputs: Utxo[] = [this.pendingWallet];
    let available = this.pendingWallet.valueSat;
    const total = outputs.reduce((s, o) => s + o.valueSat, 0) + this.feeSat;
    let reserve = this.pendingReserve;
    if (available < total) {
      // merge in the next premine output
      if (reserve >= PREMINE_OUTPUTS || total > available + PREMINE_SAT) throw new DevChainError('the devchain wallet is exhausted', 409);
      inputs.push({ txid: this.state.genesisTxid, n: reserve, valueSat: PREMINE_SAT });
      available += PREMINE_SAT;
      reserve += 1;
    }
    const vout: TxOut[] = [...outputs, { valueSat: available - total, script: WALLET.script }];
    if (last) vout.push({ valueSat: 0, script: last });
    const tx = makeTransparentTx({
      vin: inputs.map((u) => ({ txid: u.txid, n: u.n, valueSat: u.valueSat, address: DEVCHAIN_WALLET_ADDRESS, scriptSig: fakeScriptSig(`${u.txid}:${u.n}`, WALLET.pubkey) })),
      vout,
      locktime: 0,
      expiryheight: this.height + 21,
    });
    this.pendingWallet = { txid: tx.txid, n: outputs.length, valueSat: available - total };
    this.pendingReserve = reserve;
    return tx;
  }

  // ---------------------------------------------------------------- mining

  /** Mine one block with every mempool transaction whose dependencies are already on chain. */
  mineBlock(): Block {
    const height = this.height + 1;
    const pending = new Set(this.mempool.map((e) => e.tx.txid));
    const included = new Set<string>();
    const txs: Tx[] = [];
    const rest: MempoolEntry[] = [];
    for (const entry of this.mempool) {
      const blockedByDep = entry.deps.some((d) => pending.has(d));
      const blockedByInput =
        entry.tx.kind === 'transparent' && entry.tx.vin.some((i) => pending.has(i.txid) && !included.has(i.txid));
      if (blockedByDep || blockedByInput) {
        rest.push(entry);
        continue;
      }
      txs.push(entry.tx);
      included.add(entry.tx.txid);
    }
    const fees = txs.reduce((s, t) => (t.kind === 'transparent' ? s + t.vin.reduce((a, i) => a + i.valueSat, 0) - t.vout.reduce((a, o) => a + o.valueSat, 0) : s), 0);
    const coinbaseOut: TxOut[] = [{ valueSat: MINER_REWARD_SAT + fees, script: MINER.script }];
    for (const tier of TIERS) {
      const payee = this.peekPayee(tier);
      // fluxd pays the collateral key's P2PKH address (payment_address), which is where the collateral sits
      if (payee) coinbaseOut.push({ valueSat: NODE_PAYOUT_SAT[tier], script: payee.paymentScript });
    }
    const coinbase = makeTransparentTx({
      coinbase: coinbaseScriptSig(height, this.extraNonce++),
      vin: [],
      vout: coinbaseOut,
      locktime: 0,
      expiryheight: 0,
    });
    const block = this.assemble(height, this.tip.hash, Math.max(this.tip.time + 1, Math.floor(this.now() / 1000)), [coinbase, ...txs]);
    this.mempool = rest;
    this.connect(block);
    return block;
  }

  /** Mine `count` blocks; with `mix`, first submit random registrations, payments and expiries before each block. */
  generate(count: number, mix?: SyntheticMix): Block[] {
    if (!Number.isSafeInteger(count) || count < 0) throw new DevChainError('count must be a non-negative integer');
    const blocks: Block[] = [];
    const rnd = mulberry32(mix?.seed ?? this.height + 1);
    const draws = (rate: number | undefined): number => {
      if (!rate || rate <= 0) return 0;
      const whole = Math.floor(rate);
      return whole + (rnd() < rate - whole ? 1 : 0);
    };
    const mine: string[] = mix ? this.deterministicList().map((n) => n.outpoint) : [];
    for (let i = 0; i < count; i += 1) {
      if (mix) {
        for (let k = draws(mix.registrations); k > 0; k -= 1) {
          const r = rnd();
          const collateral = r < 0.6 ? 1000 : r < 0.9 ? 12500 : 40000;
          const ip = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}:16127`;
          mine.push(this.registerNode({ ip, collateral }).nodeId);
        }
        for (let k = draws(mix.payments); k > 0; k -= 1) {
          const hash = sha256(Buffer.from(`app:${this.height}:${k}:${rnd()}`)).toString('hex');
          this.pay({ hash, amountSat: Math.round((0.5 + rnd() * 50) * 100) * 1_000_000 });
        }
        for (let k = draws(mix.expiries); k > 0 && mine.length > 0; k -= 1) {
          const idx = Math.floor(rnd() * mine.length);
          const nodeId = mine[idx]!;
          if (this.state.nodes.get(nodeId)?.status !== 'confirmed') continue;
          mine[idx] = mine[mine.length - 1]!;
          mine.pop();
          this.expireNode(nodeId);
        }
      }
      blocks.push(this.mineBlock());
    }
    return blocks;
  }

  /** Replace the last `depth` blocks with a new branch of `depth + 1` blocks. */
  reorg(depth: number, mode: ReorgMode = this.reorgMode): ReorgResult {
    if (!Number.isSafeInteger(depth) || depth < 1) throw new DevChainError('depth must be a positive integer');
    if (depth > this.height) throw new DevChainError(`depth ${depth} exceeds the chain height ${this.height} (genesis cannot be replaced)`);
    const oldTip = this.tip.hash;
    const forkHeight = this.height - depth;
    const removed = this.active.splice(forkHeight + 1);
    this.staleTips.push(oldTip);
    this.state = this.replayTo(forkHeight);
    const losing = removed.flatMap((b) => b.tx.slice(1));
    if (mode === 'remine') {
      const entries: MempoolEntry[] = [...losing.map((tx) => ({ tx, deps: [] })), ...this.mempool];
      this.mempool = entries.map((e, i) => ({ tx: e.tx, deps: this.depsOf(e.tx, entries.slice(0, i)) }));
    } else {
      this.mempool = [];
      this.pendingWallet = { ...this.state.wallet };
      this.pendingReserve = this.state.reserveNext;
    }
    for (let i = 0; i <= depth; i += 1) this.mineBlock();
    return {
      forkHeight,
      depth,
      mode,
      oldTip,
      newTip: this.tip.hash,
      height: this.height,
      removed: removed.map((b) => b.hash),
      transactions: losing.length,
    };
  }

  /** Hard dependencies (must be in an earlier block) of a transaction on earlier mempool entries. */
  private depsOf(tx: Tx, earlier: readonly MempoolEntry[]): string[] {
    if (tx.kind === 'transparent') {
      // a collateral spend (node expiry) must follow the node's own transactions
      const spent = new Set(tx.vin.map((i) => outpointKey(i.txid, i.n)));
      return earlier
        .filter((e) => e.tx.kind === 'fluxnode' && spent.has(outpointKey(e.tx.collateral.txid, e.tx.collateral.n)))
        .map((e) => e.tx.txid);
    }
    const key = outpointKey(tx.collateral.txid, tx.collateral.n);
    if (tx.nType === FLUXNODE_START_TX_TYPE) return earlier.filter((e) => e.tx.txid === tx.collateral.txid).map((e) => e.tx.txid);
    return earlier
      .filter((e) => e.tx.kind === 'fluxnode' && e.tx.nType === FLUXNODE_START_TX_TYPE && outpointKey(e.tx.collateral.txid, e.tx.collateral.n) === key)
      .map((e) => e.tx.txid);
  }

  // ---------------------------------------------------------------- blocks and state

  private buildGenesis(time: number): Block {
    const coinbase = makeTransparentTx({
      coinbase: coinbaseScriptSig(0, 0),
      vin: [],
      vout: Array.from({ length: PREMINE_OUTPUTS }, () => ({ valueSat: PREMINE_SAT, script: WALLET.script })),
      locktime: 0,
      expiryheight: 0,
    });
    return this.assemble(0, null, time, [coinbase]);
  }

  private assemble(height: number, prev: string | null, time: number, txs: Tx[]): Block {
    const merkleroot = merkleRoot(txs.map((t) => t.txid));
    const nonce = sha256(Buffer.from(`nonce:${height}:${merkleroot}`)).toString('hex');
    const solution = sha256(Buffer.from(`solution:${nonce}`)).toString('hex') + sha256(Buffer.from(`solution2:${nonce}`)).toString('hex').slice(0, 40);
    const header = { version: BLOCK_VERSION, prev, merkleroot, time, bits: BITS, nonce, solution };
    const { hash, size } = headerHash(header);
    return { hash, height, ...header, size: blockSize(size, txs), tx: txs };
  }

  private connect(block: Block): void {
    this.active.push(block);
    this.byHash.set(block.hash, block);
    applyBlock(this.state, block);
    this.checkpoint(block.height);
    for (const listener of this.listeners) listener(block);
  }

  /** Replay of a persisted block: appends, or (height ≤ tip) replaces the active chain from that height. */
  private loadBlock(block: Block): void {
    if (this.active.length === 0) {
      if (block.prev !== null || block.height !== 0) throw new Error('the first persisted block must be a genesis block');
      this.connect(block);
      return;
    }
    if (block.height <= this.height) {
      this.staleTips.push(this.tip.hash);
      this.active.splice(block.height);
      this.state = this.replayTo(block.height - 1);
    }
    if (block.height !== this.height + 1 || block.prev !== this.tip.hash) {
      throw new Error(`persisted block ${block.hash} at height ${block.height} does not link to ${this.tip.hash}`);
    }
    this.active.push(block);
    this.byHash.set(block.hash, block);
    applyBlock(this.state, block);
    this.checkpoint(block.height);
    this.extraNonce += 1;
  }

  private checkpoint(height: number): void {
    if (height === 0 || height % CHECKPOINT_EVERY !== 0) return;
    this.checkpoints.push({ height, state: structuredClone(this.state) });
    if (this.checkpoints.length > CHECKPOINTS_KEPT) this.checkpoints.shift();
  }

  /** The state after the active chain's block at `height` (the chain is already cut there). */
  private replayTo(height: number): ChainState {
    this.checkpoints = this.checkpoints.filter((c) => c.height <= height);
    const from = this.checkpoints[this.checkpoints.length - 1];
    const state = from ? structuredClone(from.state) : emptyState();
    for (let h = from ? from.height + 1 : 0; h <= height; h += 1) applyBlock(state, this.active[h]!);
    return state;
  }

  private peekPayee(tier: Tier): NodeRecord | undefined {
    return peekPayee(this.state, tier);
  }
}

/** A fake P2SH 2-of-3 multisig scriptSig: OP_0 <sig> <sig> <redeem script>. Nothing checks it. */
function multisigScriptSig(seed: string): string {
  const sig = (k: string) => Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), sha256(Buffer.from(`${k}r:${seed}`)), Buffer.from([0x02, 0x20]), sha256(Buffer.from(`${k}s:${seed}`)), Buffer.from([0x01])]);
  const keys = [1, 2, 3].map((k) => derivePubkey(`foundation:${k}`));
  const redeem = Buffer.concat([Buffer.from([0x52]), ...keys.flatMap((key) => [Buffer.from([key.length]), key]), Buffer.from([0x53, 0xae])]);
  return Buffer.concat([Buffer.from([0x00]), pushData(sig('a')), pushData(sig('b')), pushData(redeem)]).toString('hex');
}

function peekPayee(state: ChainState, tier: Tier): NodeRecord | undefined {
  const q = state.queues[tier];
  while (q.head < q.items.length) {
    const { key, seq } = q.items[q.head]!;
    const node = state.nodes.get(key);
    if (node && node.status === 'confirmed' && node.queueSeq === seq) return node;
    q.head += 1;
  }
  if (q.head > 0) {
    q.items = [];
    q.head = 0;
  }
  return undefined;
}

function enqueue(state: ChainState, node: NodeRecord): void {
  const q = state.queues[node.tier];
  node.queueSeq = ++state.seq;
  q.items.push({ key: node.outpoint, seq: node.queueSeq });
  if (q.head > 4096 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}

/** Apply a block to the derived state (payouts, wallet, collaterals, nodes). Deterministic. */
function applyBlock(state: ChainState, block: Block): void {
  const height = block.height;
  if (height === 0) {
    const cb = block.tx[0] as TransparentTx;
    state.wallet = { txid: cb.txid, n: 0, valueSat: cb.vout[0]!.valueSat };
    state.genesisTxid = cb.txid;
    state.reserveNext = 1;
    return;
  }
  for (const tier of TIERS) {
    const payee = peekPayee(state, tier);
    if (payee) {
      payee.lastPaidHeight = height;
      enqueue(state, payee);
    }
  }
  for (const tx of block.tx) {
    if (tx.kind === 'transparent') applyTransparent(state, tx);
    else applyFluxnode(state, tx, height);
  }
}

function applyTransparent(state: ChainState, tx: TransparentTx): void {
  let spendsWallet = false;
  for (const input of tx.vin) {
    const key = outpointKey(input.txid, input.n);
    if (input.txid === state.wallet.txid && input.n === state.wallet.n) spendsWallet = true;
    if (input.txid === state.genesisTxid) {
      spendsWallet = true;
      state.reserveNext = Math.max(state.reserveNext, input.n + 1);
    }
    if (state.collaterals.delete(key)) state.nodes.delete(key);
  }
  tx.vout.forEach((out, n) => {
    if (out.script.kind === 'nulldata') return;
    if (spendsWallet && out.script.address === DEVCHAIN_WALLET_ADDRESS) {
      state.wallet = { txid: tx.txid, n, valueSat: out.valueSat };
    } else if (tx.coinbase === undefined && tierOfCollateral(out.valueSat)) {
      state.collaterals.set(outpointKey(tx.txid, n), { valueSat: out.valueSat, script: out.script });
    }
  });
}

function applyFluxnode(state: ChainState, tx: FluxnodeTx, height: number): void {
  const key = outpointKey(tx.collateral.txid, tx.collateral.n);
  if (tx.nType === FLUXNODE_START_TX_TYPE) {
    const collateral = state.collaterals.get(key);
    const tier = collateral && tierOfCollateral(collateral.valueSat);
    if (!collateral || !tier || state.nodes.has(key)) return;
    state.nodes.set(key, {
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
  const node = state.nodes.get(key);
  if (!node) return;
  if (tx.updateType === 0 && node.status === 'started') {
    node.status = 'confirmed';
    node.confirmedHeight = height;
    node.lastConfirmedHeight = height;
    node.ip = tx.ip;
    enqueue(state, node);
  } else if (tx.updateType === 1 && node.status === 'confirmed') {
    node.lastConfirmedHeight = height;
    node.ip = tx.ip;
  }
}

