import { sha256 } from './encoding';
import type { NodeRecord } from './fluxnodes';
import { MINER, WALLET } from './keys';
import { BITS, BLOCK_VERSION, MINER_REWARD_SAT, NODE_PAYOUT_SAT, PREMINE_OUTPUTS, PREMINE_SAT } from './params';
import { blockSize, coinbaseScriptSig, headerHash, makeTransparentTx, merkleRoot } from './txbuild';
import type { Block, Tx, TxOut } from './types';

/*
 * Building blocks: the coinbase, the header and its hash. Hashes, txids and merkle roots are real
 * double-SHA256 over a Zcash-style serialisation; nonce and solution are filler (no proof of work).
 */

/** Genesis: its coinbase is the wallet's premine. */
export function genesisBlock(time: number): Block {
  const coinbase = makeTransparentTx({
    coinbase: coinbaseScriptSig(0, 0),
    vin: [],
    vout: Array.from({ length: PREMINE_OUTPUTS }, () => ({ valueSat: PREMINE_SAT, script: WALLET.script })),
    locktime: 0,
    expiryheight: 0,
  });
  return assembleBlock(0, null, time, [coinbase]);
}

/**
 * The block on top of `prev` with `txs`: its coinbase pays the miner the reward plus the fees, and each
 * payee (the head of a tier's queue) its tier's payout. `extraNonce` keeps coinbases of equal height
 * on different branches distinct.
 */
export function nextBlock(input: { prev: Block; time: number; txs: Tx[]; payees: readonly NodeRecord[]; extraNonce: number }): Block {
  const height = input.prev.height + 1;
  const coinbaseOut: TxOut[] = [{ valueSat: MINER_REWARD_SAT + feesOf(input.txs), script: MINER.script }];
  // fluxd pays the collateral key's P2PKH address (payment_address), which is where the collateral sits
  for (const payee of input.payees) coinbaseOut.push({ valueSat: NODE_PAYOUT_SAT[payee.tier], script: payee.paymentScript });
  const coinbase = makeTransparentTx({
    coinbase: coinbaseScriptSig(height, input.extraNonce),
    vin: [],
    vout: coinbaseOut,
    locktime: 0,
    expiryheight: 0,
  });
  return assembleBlock(height, input.prev.hash, input.time, [coinbase, ...input.txs]);
}

/** Inputs minus outputs of the transparent transactions (fluxnode transactions carry no value). */
function feesOf(txs: readonly Tx[]): number {
  return txs.reduce((s, t) => (t.kind === 'transparent' ? s + t.vin.reduce((a, i) => a + i.valueSat, 0) - t.vout.reduce((a, o) => a + o.valueSat, 0) : s), 0);
}

function assembleBlock(height: number, prev: string | null, time: number, txs: Tx[]): Block {
  const merkleroot = merkleRoot(txs.map((t) => t.txid));
  const nonce = sha256(Buffer.from(`nonce:${height}:${merkleroot}`)).toString('hex');
  const solution = sha256(Buffer.from(`solution:${nonce}`)).toString('hex') + sha256(Buffer.from(`solution2:${nonce}`)).toString('hex').slice(0, 40);
  const header = { version: BLOCK_VERSION, prev, merkleroot, time, bits: BITS, nonce, solution };
  const { hash, size } = headerHash(header);
  return { hash, height, ...header, size: blockSize(size, txs), tx: txs };
}
