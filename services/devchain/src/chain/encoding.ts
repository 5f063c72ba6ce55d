import { createHash } from 'node:crypto';
import { ripemd160 } from '@noble/hashes/ripemd160';

/*
 * Byte-level helpers: a little-endian writer for Bitcoin/Zcash-style serialisation, sha256d,
 * hash160, base58check and Flux transparent addresses.
 */

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256d(data: Uint8Array): Buffer {
  return sha256(sha256(data));
}

export function hash160(data: Uint8Array): Buffer {
  return Buffer.from(ripemd160(sha256(data)));
}

/** A uint256 as fluxd prints it (`GetHex()`): the bytes reversed, hex. */
export function toRpcHex(internal: Uint8Array): string {
  return Buffer.from(internal).reverse().toString('hex');
}

/** The inverse of {@link toRpcHex}: the internal byte order of a displayed hash. */
export function fromRpcHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex').reverse();
}

export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.len);
    this.len += 1;
    return this;
  }

  i8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.len);
    this.len += 1;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  i64(v: number): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(v), this.len);
    this.len += 8;
    return this;
  }

  varint(v: number): this {
    if (v < 0xfd) return this.u8(v);
    if (v <= 0xffff) {
      this.u8(0xfd);
      this.ensure(2);
      this.buf.writeUInt16LE(v, this.len);
      this.len += 2;
      return this;
    }
    if (v <= 0xffffffff) return this.u8(0xfe).u32(v);
    return this.u8(0xff).i64(v);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  varbytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  get length(): number {
    return this.len;
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Map([...B58].map((c, i) => [c, i]));

export function base58Encode(data: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(data).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const byte of data) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

export function base58Decode(text: string): Buffer {
  let n = 0n;
  for (const c of text) {
    const v = B58_MAP.get(c);
    if (v === undefined) throw new Error(`invalid base58 character "${c}"`);
    n = n * 58n + BigInt(v);
  }
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let zeros = 0;
  for (const c of text) {
    if (c !== '1') break;
    zeros += 1;
  }
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(hex, 'hex')]);
}

export function base58checkEncode(payload: Uint8Array): string {
  const check = sha256d(payload).subarray(0, 4);
  return base58Encode(Buffer.concat([payload, check]));
}

export function base58checkDecode(text: string): Buffer {
  const raw = base58Decode(text);
  if (raw.length < 5) throw new Error('base58check string too short');
  const payload = raw.subarray(0, raw.length - 4);
  const check = raw.subarray(raw.length - 4);
  if (!sha256d(payload).subarray(0, 4).equals(check)) throw new Error('bad base58check checksum');
  return payload;
}

/** Flux mainnet transparent address prefixes (t1… P2PKH, t3… P2SH). */
export const P2PKH_PREFIX = Buffer.from([0x1c, 0xb8]);
export const P2SH_PREFIX = Buffer.from([0x1c, 0xbd]);

export type AddressKind = 'p2pkh' | 'p2sh';

export function encodeAddress(kind: AddressKind, hash: Uint8Array): string {
  return base58checkEncode(Buffer.concat([kind === 'p2pkh' ? P2PKH_PREFIX : P2SH_PREFIX, hash]));
}

export function decodeAddress(address: string): { kind: AddressKind; hash: string } {
  const payload = base58checkDecode(address);
  if (payload.length !== 22) throw new Error(`not a transparent Flux address: ${address}`);
  const prefix = payload.subarray(0, 2);
  const hash = payload.subarray(2).toString('hex');
  if (prefix.equals(P2PKH_PREFIX)) return { kind: 'p2pkh', hash };
  if (prefix.equals(P2SH_PREFIX)) return { kind: 'p2sh', hash };
  throw new Error(`unknown address prefix ${prefix.toString('hex')} in ${address}`);
}

/** Deterministic pseudo-key material from a seed string (the devchain signs nothing). */
export function derivePubkey(seed: string): Buffer {
  return Buffer.concat([Buffer.from([0x02]), sha256(Buffer.from(`pubkey:${seed}`))]);
}

export function p2pkhAddressOfPubkey(pubkey: Uint8Array): { hash: string; address: string } {
  const h = hash160(pubkey);
  return { hash: h.toString('hex'), address: encodeAddress('p2pkh', h) };
}

/** FLUX amount in satoshis → fluxd's `FormatMoney` ("1000.00", "0.5", trailing zeros trimmed to 2 places). */
export function formatMoney(sat: number): string {
  const whole = Math.trunc(sat / 1e8);
  let frac = String(Math.abs(sat % 1e8)).padStart(8, '0');
  while (frac.length > 2 && frac.endsWith('0')) frac = frac.slice(0, -1);
  return `${sat < 0 && whole === 0 ? '-' : ''}${whole}.${frac}`;
}

/** satoshis → the FLUX number fluxd prints (`ValueFromAmount`). */
export function satToFlux(sat: number): number {
  return Number((sat / 1e8).toFixed(8));
}
