import { ActiveChain, type ChainTip } from './active-chain';
import { genesisBlock, nextBlock } from './block-assembly';
import { DevChainError } from './errors';
import { nodesInPaymentOrder, peekPayee, type NodeRecord } from './fluxnodes';
import { scriptFor } from './keys';
import { Mempool } from './mempool';
import { NodeRegistrar, type RegisteredNode } from './node-registration';
import { DEFAULT_FEE_SAT, MAINNET_APPS_ADDRESS } from './params';
import { submitPayment, submitSoftFork } from './payments';
import { reorganise, type ReorgMode, type ReorgResult } from './reorg';
import { SyntheticTraffic, type SyntheticMix } from './synthetic-mix';
import { TIERS, type Block } from './types';
import { DevWallet } from './wallet';

/*
 * The devchain's chain model: pure in-memory state, no I/O, an injectable clock. This class is its
 * public face; each concern lives in its own module:
 *
 *   active-chain.ts       the block tree: active chain, blocks by hash, stale tips, derived state
 *   state.ts              the state a block changes (wallet output, collaterals, fluxnode list)
 *   fluxnodes.ts          the deterministic fluxnode list and its tier payment queues
 *   checkpoints.ts        state copies every 1000 blocks, so a reorganisation replays little
 *   reorg.ts              replacing the last blocks by a longer branch
 *   mempool.ts            waiting transactions and which of them the next block can take
 *   block-assembly.ts     genesis, coinbase (miner and node payouts), header hash
 *   wallet.ts             the premined wallet every submission is paid from
 *   node-registration.ts  collateral, START, CONFIRM; expiry by spending the collateral
 *   payments.ts           app payments and foundation soft fork messages (OP_RETURN)
 *   synthetic-mix.ts      seeded random traffic for generate(count, mix)
 *   keys.ts, params.ts, errors.ts, types.ts, encoding.ts, txbuild.ts, render.ts
 *
 * Signatures are fake; nothing is validated cryptographically.
 */

export { DevChainError } from './errors';
export { DEVCHAIN_MINER_ADDRESS, DEVCHAIN_WALLET_ADDRESS } from './keys';
export { MAINNET_APPS_ADDRESS, PREMINE_OUTPUTS, PREMINE_SAT, SOFT_FORK_FUNDING_SAT } from './params';
export type { ChainTip } from './active-chain';
export type { NodeRecord } from './fluxnodes';
export type { RegisteredNode } from './node-registration';
export type { ReorgMode, ReorgResult } from './reorg';
export type { SyntheticMix } from './synthetic-mix';

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

export class DevChain {
  private readonly now: () => number;
  readonly reorgMode: ReorgMode;
  readonly appsAddress: string;
  readonly foundationAddress: string;

  private readonly chain = new ActiveChain();
  private readonly mempool = new Mempool();
  private readonly wallet: DevWallet;
  private readonly nodes: NodeRegistrar;
  /** counts mined blocks into each coinbase, so branches never repeat a coinbase */
  private extraNonce = 0;
  private readonly listeners: Array<(block: Block) => void> = [];

  /** `blocks`: a persisted block log to replay (see persistence.ts); without it, a new genesis. */
  constructor(options: DevChainOptions = {}, blocks?: readonly Block[]) {
    this.now = options.now ?? Date.now;
    this.reorgMode = options.reorgMode ?? 'remine';
    this.appsAddress = options.appsAddress ?? MAINNET_APPS_ADDRESS;
    scriptFor(this.appsAddress); // validates
    this.foundationAddress = options.foundationAddress ?? MAINNET_APPS_ADDRESS;
    scriptFor(this.foundationAddress);
    this.wallet = new DevWallet(this.chain, options.feeSat ?? DEFAULT_FEE_SAT);
    this.nodes = new NodeRegistrar(this.chain, this.mempool, this.wallet, this.now);
    if (blocks && blocks.length > 0) {
      for (const block of blocks) {
        this.chain.load(block);
        if (block.height > 0) this.extraNonce += 1;
      }
    } else {
      this.connect(genesisBlock(options.genesisTime ?? Math.floor(this.now() / 1000)));
    }
    this.wallet.forgetPending();
  }

  // ---------------------------------------------------------------- reads

  get height(): number {
    return this.chain.height;
  }

  get tip(): Block {
    return this.chain.tip;
  }

  blockAt(height: number): Block | undefined {
    return this.chain.blockAt(height);
  }

  blockByHash(hash: string): Block | undefined {
    return this.chain.blockByHash(hash);
  }

  isActive(block: Block): boolean {
    return this.chain.isActive(block);
  }

  mempoolTxids(): string[] {
    return this.mempool.txids();
  }

  /** Confirmed nodes, CUMULUS then NIMBUS then STRATUS, each in payment-queue order (rank from 0). */
  deterministicList(): Array<NodeRecord & { rank: number }> {
    return nodesInPaymentOrder(this.chain.state);
  }

  node(nodeId: string): NodeRecord | undefined {
    const n = this.chain.state.nodes.get(nodeId);
    return n ? { ...n } : undefined;
  }

  chainTips(): ChainTip[] {
    return this.chain.chainTips();
  }

  onBlock(listener: (block: Block) => void): void {
    this.listeners.push(listener);
  }

  // ---------------------------------------------------------------- submissions (to the mempool)

  registerNode(input: { ip: string; collateral: number }): RegisteredNode {
    return this.nodes.register(input);
  }

  /** Spend a node's collateral (back to the wallet): fluxd drops the node from the list when its collateral is spent. */
  expireNode(nodeId: string): { txid: string } {
    return this.nodes.expire(nodeId);
  }

  /** An app payment of `amountSat` to `address` (default the apps address) with OP_RETURN <hash>; see payments.ts. */
  pay(input: { hash: string; amountSat: number; address?: string }): { txid: string; address: string } {
    return submitPayment(this.wallet, this.mempool, { ...input, address: input.address ?? this.appsAddress });
  }

  /** A foundation soft fork message (e.g. a price message); see payments.ts. */
  softFork(input: { message: string }): { txid: string; fundingTxid: string; address: string } {
    return submitSoftFork(this.wallet, this.mempool, { message: input.message, foundationAddress: this.foundationAddress });
  }

  // ---------------------------------------------------------------- mining

  /** Mine one block with every mempool transaction whose dependencies are already on chain. */
  mineBlock(): Block {
    const txs = this.mempool.takeMineable();
    const payees = TIERS.flatMap((tier) => peekPayee(this.chain.state, tier) ?? []);
    const block = nextBlock({
      prev: this.tip,
      txs,
      payees,
      extraNonce: this.extraNonce++,
      time: Math.max(this.tip.time + 1, Math.floor(this.now() / 1000)),
    });
    this.connect(block);
    return block;
  }

  /** Mine `count` blocks; with `mix`, first submit random registrations, payments and expiries before each block. */
  generate(count: number, mix?: SyntheticMix): Block[] {
    if (!Number.isSafeInteger(count) || count < 0) throw new DevChainError('count must be a non-negative integer');
    const traffic = mix ? new SyntheticTraffic(this, mix) : undefined;
    const blocks: Block[] = [];
    for (let i = 0; i < count; i += 1) {
      traffic?.beforeBlock();
      blocks.push(this.mineBlock());
    }
    return blocks;
  }

  /** Replace the last `depth` blocks with a new branch of `depth + 1` blocks; see reorg.ts. */
  reorg(depth: number, mode: ReorgMode = this.reorgMode): ReorgResult {
    return reorganise({ chain: this.chain, mempool: this.mempool, wallet: this.wallet, mineBlock: () => this.mineBlock() }, depth, mode);
  }

  private connect(block: Block): void {
    this.chain.connect(block);
    for (const listener of this.listeners) listener(block);
  }
}
