/**
 * Owner signatures (fluxos.md §2 "Signature").
 *
 * - `0x…` owners: Ethereum personal-sign recovery, only for messages timestamped after
 *   2023-07-10 (earlier FluxOS verified Bitcoin signatures only);
 * - owners longer than 36 characters are hex public keys, verified as the P2PKH
 *   address (version byte 0x00) they hash to;
 * - anything else is a Bitcoin address (ZelID), verified with Bitcoin message signing.
 *
 * Bitcoin verification goes through bitcoinjs-message, which uses the native secp256k1
 * binding when it is built; that is what keeps registry verification fast.
 */
import bitcoinMessage from 'bitcoinjs-message';
import bs58check from 'bs58check';
import { secp256k1 } from '@noble/curves/secp256k1';
import { ripemd160 } from '@noble/hashes/ripemd160';
import { sha256 } from '@noble/hashes/sha256';
import { ETH_SIGNATURES_AFTER_TIMESTAMP } from './heights';
import { ethAddressFromPublicKey, recoverEthSigner, signEthMessage } from './ethereum';

const P2PKH_VERSION = 0x00;

function p2pkh(publicKey: Uint8Array): string {
  const payload = new Uint8Array(21);
  payload[0] = P2PKH_VERSION;
  payload.set(ripemd160(sha256(publicKey)), 1);
  return bs58check.encode(payload);
}

/** P2PKH address (version 0x00) of a hex-encoded public key, as FluxOS derives for long owners. */
export function publicKeyToAddress(publicKeyHex: string): string {
  return p2pkh(Buffer.from(publicKeyHex, 'hex'));
}

export interface VerifySignatureOptions {
  /** Message timestamp (ms). Ethereum signatures need one after 1688947200000; omit to allow them. */
  timestamp?: number;
}

/** Whether `signature` is `owner`'s signature of `text`. Never throws. */
export function verifySignature(text: string, owner: string, signature: string, options: VerifySignatureOptions = {}): boolean {
  try {
    if (!text || !owner || !signature || typeof owner !== 'string' || typeof signature !== 'string') return false;
    if (owner.startsWith('0x')) {
      if (options.timestamp !== undefined && !(options.timestamp > ETH_SIGNATURES_AFTER_TIMESTAMP)) return false;
      const signer = recoverEthSigner(text, signature);
      return signer !== null && signer === owner.toLowerCase();
    }
    const address = owner.length > 36 ? publicKeyToAddress(owner) : owner;
    return bitcoinMessage.verify(text, address, signature);
  } catch {
    return false;
  }
}

export interface PrivateKey {
  key: Uint8Array;
  /** Whether the public key is used in compressed form (WIF suffix 0x01). */
  compressed: boolean;
}

/** Accepts a WIF string, a 64-char hex string or 32 raw bytes. */
export function decodePrivateKey(input: string | Uint8Array): PrivateKey {
  if (typeof input !== 'string') {
    if (input.length !== 32) throw new Error('private key must be 32 bytes');
    return { key: Uint8Array.from(input), compressed: true };
  }
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(input)) {
    return { key: Uint8Array.from(Buffer.from(input.replace(/^0x/, ''), 'hex')), compressed: true };
  }
  const raw = bs58check.decode(input);
  if (raw.length === 34 && raw[33] === 0x01) return { key: raw.slice(1, 33), compressed: true };
  if (raw.length === 33) return { key: raw.slice(1, 33), compressed: false };
  throw new Error('not a WIF private key');
}

export type SignatureScheme = 'bitcoin' | 'ethereum';

/**
 * Signs `text` for tests and the CLI: base64 Bitcoin message signature by default,
 * `0x` personal-sign signature with `scheme: 'ethereum'`.
 */
export function signMessage(text: string, privateKey: string | Uint8Array, scheme: SignatureScheme = 'bitcoin'): string {
  const { key, compressed } = decodePrivateKey(privateKey);
  if (scheme === 'ethereum') return signEthMessage(text, key);
  return bitcoinMessage.sign(text, Buffer.from(key), compressed).toString('base64');
}

/** The owner string (ZelID address or 0x address) that {@link signMessage} signs for. */
export function addressFromPrivateKey(privateKey: string | Uint8Array, scheme: SignatureScheme = 'bitcoin'): string {
  const { key, compressed } = decodePrivateKey(privateKey);
  if (scheme === 'ethereum') return ethAddressFromPublicKey(secp256k1.getPublicKey(key, false));
  return p2pkh(secp256k1.getPublicKey(key, compressed));
}

/** Hex public key of a private key (usable as an owner longer than 36 chars). */
export function publicKeyFromPrivateKey(privateKey: string | Uint8Array): string {
  const { key, compressed } = decodePrivateKey(privateKey);
  return Buffer.from(secp256k1.getPublicKey(key, compressed)).toString('hex');
}

/** A fresh random private key (32 bytes), for tests and tooling. */
export function randomPrivateKey(): Uint8Array {
  return secp256k1.utils.randomPrivateKey();
}
