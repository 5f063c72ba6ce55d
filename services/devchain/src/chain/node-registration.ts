import type { ActiveChain } from './active-chain';
import { derivePubkey } from './encoding';
import { DevChainError } from './errors';
import { WALLET, p2pkh } from './keys';
import type { Mempool } from './mempool';
import { fakeScriptSig, fakeSignature, makeFluxnodeTx, makeTransparentTx } from './txbuild';
import { COIN, FLUXNODE_CONFIRM_TX_TYPE, FLUXNODE_START_TX_TYPE, TIER_NUMBER, outpointKey, tierOfCollateral, type Tier } from './types';
import type { DevWallet } from './wallet';

/*
 * A fluxnode's life on the devchain, as fluxd does it: the wallet pays a collateral of 1000/12500/40000
 * FLUX (old 10000/25000/100000 also accepted) to a fresh key, then a v5 START transaction references
 * it (mined a block later), then a v5 CONFIRM with update_type 0 carries the ip (a block after that).
 * Expiry spends the collateral back to the wallet, which drops the node from the list. Coinbase
 * maturity and the 100-confirmation collateral rule are not enforced.
 */

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

interface CollateralKey {
  collateralSat: number;
  address: string;
  pubkey: Buffer;
}

export class NodeRegistrar {
  /** every node ever submitted, by collateral outpoint: the key its collateral is spent with */
  private readonly keys = new Map<string, CollateralKey>();
  private counter = 0;

  constructor(
    private readonly chain: ActiveChain,
    private readonly mempool: Mempool,
    private readonly wallet: DevWallet,
    private readonly now: () => number,
  ) {}

  register(input: { ip: string; collateral: number }): RegisteredNode {
    const collateralSat = Math.round(input.collateral * COIN);
    const tier = tierOfCollateral(collateralSat);
    if (!tier) throw new DevChainError(`collateral must be 1000, 12500 or 40000 FLUX (or the old 10000/25000/100000), got ${input.collateral}`);
    if (!input.ip || input.ip.length > 60) throw new DevChainError('ip must be a non-empty string of at most 60 characters');
    const seed = `node:${this.counter++}:${input.ip}:${this.chain.height}`;
    const collateralKey = p2pkh(`${seed}:collateral`);
    const fluxnodePubkey = derivePubkey(`${seed}:fluxnode`);
    const collateralAddress = (collateralKey.script as { address: string }).address;

    const collateralTx = this.wallet.send([{ valueSat: collateralSat, script: collateralKey.script }]);
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
    this.mempool.add({ tx: collateralTx, deps: [] }, { tx: start, deps: [collateralTx.txid] }, { tx: confirm, deps: [start.txid] });
    this.keys.set(nodeId, { collateralSat, address: collateralAddress, pubkey: collateralKey.pubkey });
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

  /** Spend a node's collateral (back to the wallet): fluxd drops the node from the list when its collateral is spent. */
  expire(nodeId: string): { txid: string } {
    const key = this.keys.get(nodeId);
    const confirmed = this.chain.state.collaterals.get(nodeId);
    const waiting = this.mempool.entries;
    const pendingCollateral = waiting.some((e) => e.tx.kind === 'transparent' && outpointKey(e.tx.txid, 0) === nodeId);
    if (!key || (!confirmed && !pendingCollateral)) throw new DevChainError(`no unspent collateral ${nodeId}`, 404);
    const spending = waiting.find((e) => e.tx.kind === 'transparent' && e.tx.vin.some((i) => outpointKey(i.txid, i.n) === nodeId));
    if (spending) throw new DevChainError(`collateral ${nodeId} is already being spent by ${spending.tx.txid}`, 409);
    const [txid, n] = nodeId.split(':') as [string, string];
    const tx = makeTransparentTx({
      vin: [{ txid, n: Number(n), valueSat: key.collateralSat, address: key.address, scriptSig: fakeScriptSig(`spend:${nodeId}`, key.pubkey) }],
      vout: [{ valueSat: key.collateralSat - this.wallet.feeSat, script: WALLET.script }],
      locktime: 0,
      expiryheight: this.wallet.expiryHeight(),
    });
    // the spend must come after the node's own transactions still waiting (and its collateral)
    const deps = waiting
      .filter((e) => (e.tx.kind === 'fluxnode' ? outpointKey(e.tx.collateral.txid, e.tx.collateral.n) === nodeId : e.tx.txid === txid))
      .map((e) => e.tx.txid);
    this.mempool.add({ tx, deps });
    return { txid: tx.txid };
  }
}
