import { derivePubkey, decodeAddress, p2pkhAddressOfPubkey, sha256 } from './encoding';
import { pushData } from './txbuild';
import type { Script } from './types';

/*
 * The devchain's keys and scripts. Keys are derived from fixed seeds, so the wallet and miner addresses
 * are the same on every devchain; signatures are fake and nothing checks them.
 */

export function scriptFor(address: string): Script {
  const { kind, hash } = decodeAddress(address);
  return { kind, hash, address };
}

export function p2pkh(seed: string): { script: Script; pubkey: Buffer } {
  const pubkey = derivePubkey(seed);
  const { hash, address } = p2pkhAddressOfPubkey(pubkey);
  return { script: { kind: 'p2pkh', hash, address }, pubkey };
}

export const WALLET = p2pkh('devchain-wallet');
export const MINER = p2pkh('devchain-miner');
export const DEVCHAIN_WALLET_ADDRESS = (WALLET.script as { address: string }).address;
export const DEVCHAIN_MINER_ADDRESS = (MINER.script as { address: string }).address;

/** A fake P2SH 2-of-3 multisig scriptSig: OP_0 <sig> <sig> <redeem script>. Nothing checks it. */
export function multisigScriptSig(seed: string): string {
  const sig = (k: string) => Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), sha256(Buffer.from(`${k}r:${seed}`)), Buffer.from([0x02, 0x20]), sha256(Buffer.from(`${k}s:${seed}`)), Buffer.from([0x01])]);
  const keys = [1, 2, 3].map((k) => derivePubkey(`foundation:${k}`));
  const redeem = Buffer.concat([Buffer.from([0x52]), ...keys.flatMap((key) => [Buffer.from([key.length]), key]), Buffer.from([0x53, 0xae])]);
  return Buffer.concat([Buffer.from([0x00]), pushData(sig('a')), pushData(sig('b')), pushData(redeem)]).toString('hex');
}
