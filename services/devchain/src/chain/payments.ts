import { errorText } from '@fluxplane/observability';
import { DevChainError } from './errors';
import { multisigScriptSig, scriptFor } from './keys';
import type { Mempool } from './mempool';
import { SOFT_FORK_FUNDING_SAT } from './params';
import { makeTransparentTx } from './txbuild';
import type { Script } from './types';
import type { DevWallet } from './wallet';

/*
 * Transactions that carry a message in an OP_RETURN: app payments and foundation soft fork messages.
 * FluxOS decodes the message from the *last* output, so it always comes last. Any printable ASCII
 * message of ≤ 80 bytes is accepted, so tests can also send ones an indexer must ignore.
 */

const isPrintable = (text: string, bytes: Buffer): boolean => bytes.length > 0 && bytes.length <= 80 && /^[\x20-\x7e]*$/.test(text);

/** An app payment: `amountSat` to `address`, change back to the wallet, then OP_RETURN <hash as ASCII>. */
export function submitPayment(
  wallet: DevWallet,
  mempool: Mempool,
  input: { hash: string; amountSat: number; address: string },
): { txid: string; address: string } {
  if (!Number.isSafeInteger(input.amountSat) || input.amountSat <= 0) throw new DevChainError('amount must be a positive number of satoshis');
  const message = Buffer.from(input.hash, 'latin1');
  if (!isPrintable(input.hash, message)) {
    throw new DevChainError('hash must be 1–80 printable ASCII characters (an app hash is 64 hex characters)');
  }
  let script: Script;
  try {
    script = scriptFor(input.address);
  } catch (error) {
    throw new DevChainError(`bad address: ${errorText(error)}`);
  }
  const tx = wallet.send([{ valueSat: input.amountSat, script }], { kind: 'nulldata', data: message.toString('hex') });
  mempool.add({ tx, deps: [] });
  return { txid: tx.txid, address: input.address };
}

/**
 * A soft fork message (FluxOS explorerService): a transaction that spends an output owned by the
 * foundation multisig, pays the multisig, and ends with OP_RETURN <message as ASCII>. The devchain
 * wallet holds no multisig output, so a funding transaction (wallet → multisig) comes first; the soft
 * fork spends it, in the same block. A price message is
 * `p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>]`.
 */
export function submitSoftFork(
  wallet: DevWallet,
  mempool: Mempool,
  input: { message: string; foundationAddress: string },
): { txid: string; fundingTxid: string; address: string } {
  const message = Buffer.from(input.message, 'latin1');
  if (!isPrintable(input.message, message)) {
    throw new DevChainError('message must be 1–80 printable ASCII characters (a price message is p_<cpu>_<ram>_<hdd>_<minPrice>[_<port>_<scope>_<staticip>])');
  }
  const foundation = scriptFor(input.foundationAddress);
  const funding = wallet.send([{ valueSat: SOFT_FORK_FUNDING_SAT, script: foundation }]);
  const tx = makeTransparentTx({
    vin: [{ txid: funding.txid, n: 0, valueSat: SOFT_FORK_FUNDING_SAT, address: input.foundationAddress, scriptSig: multisigScriptSig(`softfork:${funding.txid}`) }],
    vout: [
      { valueSat: SOFT_FORK_FUNDING_SAT - wallet.feeSat, script: foundation },
      { valueSat: 0, script: { kind: 'nulldata', data: message.toString('hex') } },
    ],
    locktime: 0,
    expiryheight: wallet.expiryHeight(),
  });
  // no hard dependency: the miner takes a transaction whose input was created earlier in the same block
  mempool.add({ tx: funding, deps: [] }, { tx, deps: [] });
  return { txid: tx.txid, fundingTxid: funding.txid, address: input.foundationAddress };
}
