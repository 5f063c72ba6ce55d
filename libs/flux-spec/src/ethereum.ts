/**
 * Ethereum personal-sign (EIP-191) signer recovery, as FluxOS does it for `0x` owners.
 *
 * FluxOS builds the message bytes by concatenating each UTF-16 code unit's hex form
 * *without zero padding* and reading that string back two hex digits at a time. For
 * printable ASCII this is the plain byte string; for control characters and non-ASCII
 * text it is not, and we reproduce it anyway because signatures are checked against it.
 */
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';

const PREAMBLE = '\x19Ethereum Signed Message:\n';

/** The bytes FluxOS treats as "the message" for personal-sign hashing. */
export function fluxEthMessageBytes(text: string): Uint8Array {
  let hex = '';
  for (let i = 0; i < text.length; i += 1) hex += text.charCodeAt(i).toString(16);
  const bytes = new Uint8Array(Math.ceil(hex.length / 2));
  for (let c = 0, j = 0; c < hex.length; c += 2, j += 1) bytes[j] = Number.parseInt(hex.slice(c, c + 2), 16);
  return bytes;
}

export function ethMessageHash(text: string): Uint8Array {
  const body = fluxEthMessageBytes(text);
  const preamble = Buffer.from(`${PREAMBLE}${body.length}`, 'utf8');
  const all = new Uint8Array(preamble.length + body.length);
  all.set(preamble, 0);
  all.set(body, preamble.length);
  return keccak_256(all);
}

/** 0x-prefixed lowercase address of an uncompressed or compressed public key. */
export function ethAddressFromPublicKey(publicKey: Uint8Array): string {
  const point = secp256k1.ProjectivePoint.fromHex(publicKey);
  const raw = point.toRawBytes(false).subarray(1);
  return `0x${Buffer.from(keccak_256(raw).subarray(12)).toString('hex')}`;
}

/** Address that produced a 65-byte `0x…` personal signature, or null if none can be recovered. */
export function recoverEthSigner(text: string, signature: string): string | null {
  const hex = signature.startsWith('0x') ? signature.slice(2) : signature;
  if (!/^[0-9a-fA-F]{130}$/.test(hex)) return null;
  const v = Number.parseInt(hex.slice(128), 16);
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return null;
  try {
    const sig = secp256k1.Signature.fromCompact(hex.slice(0, 128)).addRecoveryBit(recovery);
    const point = sig.recoverPublicKey(ethMessageHash(text));
    return ethAddressFromPublicKey(point.toRawBytes(false));
  } catch {
    return null;
  }
}

/** Personal-sign `text` with a 32-byte private key: `0x` + r + s + v (27/28). */
export function signEthMessage(text: string, privateKey: Uint8Array): string {
  const sig = secp256k1.sign(ethMessageHash(text), privateKey);
  return `0x${sig.toCompactHex()}${(27 + sig.recovery).toString(16)}`;
}
