import { ByteWriter, fromRpcHex, sha256, sha256d, toRpcHex } from './encoding';
import {
  FLUXNODE_CONFIRM_TX_TYPE,
  FLUXNODE_START_TX_TYPE,
  type Block,
  type FluxnodeTx,
  type Script,
  type TransparentTx,
  type Tx,
} from './types';

/*
 * Serialisation close to fluxd's (Zcash Sapling v4 transactions, Flux v5 fluxnode transactions,
 * Zcash block headers) so that txids, merkle roots and block hashes are real double-SHA256 hashes.
 * Signatures are fake bytes: the devchain validates nothing cryptographically.
 */

const SAPLING_VERSION_GROUP_ID = 0x892f2085;
const OVERWINTERED_V4_HEADER = (0x80000000 | 4) >>> 0;
/** The root of an empty Sapling note commitment tree, as Zcash prints it (`finalsaplingroot` of blocks without shielded txs). */
export const EMPTY_SAPLING_ROOT = '3e49b5f954aa9d3545bc6c37744661eea48d7c34e3000d82b7f0010c30f4c2fb';
/** The root of an empty Sprout tree (`anchor`). */
export const EMPTY_SPROUT_ROOT = '59d2cde5e65c1414c32ba54f0fe4bdb3d67618125286e6a191317917c812c6d7';

export function pushData(data: Uint8Array): Buffer {
  const w = new ByteWriter(data.length + 3);
  if (data.length < 0x4c) w.u8(data.length);
  else if (data.length <= 0xff) w.u8(0x4c).u8(data.length);
  else {
    w.u8(0x4d);
    w.u8(data.length & 0xff).u8(data.length >> 8);
  }
  return Buffer.concat([w.toBuffer(), data]);
}

export function scriptBytes(script: Script): Buffer {
  switch (script.kind) {
    case 'p2pkh':
      return Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), Buffer.from(script.hash, 'hex'), Buffer.from([0x88, 0xac])]);
    case 'p2sh':
      return Buffer.concat([Buffer.from([0xa9, 0x14]), Buffer.from(script.hash, 'hex'), Buffer.from([0x87])]);
    case 'nulldata':
      return Buffer.concat([Buffer.from([0x6a]), pushData(Buffer.from(script.data, 'hex'))]);
  }
}

/** Split a script of plain pushes into its pushed data (hex), for `asm`. */
export function pushesOf(scriptHex: string): string[] {
  const b = Buffer.from(scriptHex, 'hex');
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const op = b[i++]!;
    let len: number;
    if (op === 0x00) {
      out.push('0'); // OP_0, as fluxd's ScriptToAsmStr prints it (multisig scriptSigs start with it)
      continue;
    }
    if (op < 0x4c) len = op;
    else if (op === 0x4c) len = b[i++]!;
    else if (op === 0x4d) {
      len = b[i]! | (b[i + 1]! << 8);
      i += 2;
    } else {
      out.push(`OP_UNKNOWN_${op}`);
      continue;
    }
    out.push(b.subarray(i, i + len).toString('hex'));
    i += len;
  }
  return out;
}

/** A fake but well-formed P2PKH scriptSig: <72-byte "signature"> <33-byte pubkey>. */
export function fakeScriptSig(seed: string, pubkey: Uint8Array): string {
  const a = sha256(Buffer.from(`sig1:${seed}`));
  const b = sha256(Buffer.from(`sig2:${seed}`));
  const sig = Buffer.concat([Buffer.from([0x30, 0x45, 0x02, 0x21, 0x00]), a, Buffer.from([0x02, 0x20]), b, Buffer.from([0x01])]);
  return Buffer.concat([pushData(sig), pushData(pubkey)]).toString('hex');
}

/** BIP34-style coinbase scriptSig: <height> <extra nonce>. */
export function coinbaseScriptSig(height: number, extra: number): string {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(height);
  let len = 4;
  while (len > 1 && h[len - 1] === 0 && !(h[len - 2]! & 0x80)) len -= 1;
  const e = Buffer.alloc(4);
  e.writeUInt32LE(extra >>> 0);
  return Buffer.concat([pushData(h.subarray(0, len)), pushData(e), pushData(Buffer.from('devchain'))]).toString('hex');
}

function serializeTransparent(tx: Omit<TransparentTx, 'txid' | 'size'>): Buffer {
  const w = new ByteWriter(256);
  w.u32(OVERWINTERED_V4_HEADER).u32(SAPLING_VERSION_GROUP_ID);
  if (tx.coinbase !== undefined) {
    w.varint(1).bytes(Buffer.alloc(32)).u32(0xffffffff).varbytes(Buffer.from(tx.coinbase, 'hex')).u32(0xffffffff);
  } else {
    w.varint(tx.vin.length);
    for (const input of tx.vin) {
      w.bytes(fromRpcHex(input.txid)).u32(input.n).varbytes(Buffer.from(input.scriptSig, 'hex')).u32(0xffffffff);
    }
  }
  w.varint(tx.vout.length);
  for (const out of tx.vout) w.i64(out.valueSat).varbytes(scriptBytes(out.script));
  w.u32(tx.locktime).u32(tx.expiryheight);
  w.i64(0); // valueBalance
  w.varint(0).varint(0); // vShieldedSpend, vShieldedOutput
  w.varint(0); // vJoinSplit
  return w.toBuffer();
}

export function makeTransparentTx(fields: Omit<TransparentTx, 'txid' | 'size' | 'kind' | 'version'>): TransparentTx {
  const base = { kind: 'transparent' as const, version: 4 as const, ...fields };
  const bytes = serializeTransparent(base);
  return { ...base, txid: toRpcHex(sha256d(bytes)), size: bytes.length };
}

/** fluxd's v5 serialisation; signatures are left out of the hashed form (SER_GETHASH). */
function serializeFluxnode(tx: Omit<FluxnodeTx, 'txid' | 'size'>, withSigs: boolean): Buffer {
  const w = new ByteWriter(200);
  w.u32(5).i8(tx.nType);
  w.bytes(fromRpcHex(tx.collateral.txid)).u32(tx.collateral.n);
  if (tx.nType === FLUXNODE_START_TX_TYPE) {
    w.varbytes(Buffer.from(tx.collateralPubkey ?? '', 'hex'));
    w.varbytes(Buffer.from(tx.pubkey ?? '', 'hex'));
    w.u32(tx.sigtime);
    if (withSigs) w.varbytes(Buffer.from(tx.sig, 'base64'));
  } else {
    w.u32(tx.sigtime).i8(tx.benchmarkTier ?? 0).u32(tx.benchmarkSigtime ?? 0).i8(tx.updateType ?? 0);
    w.varbytes(Buffer.from(tx.ip, 'utf8'));
    if (withSigs) {
      w.varbytes(Buffer.from(tx.sig, 'base64'));
      w.varbytes(Buffer.from(tx.benchmarkSig ?? '', 'base64'));
    }
  }
  return w.toBuffer();
}

export function makeFluxnodeTx(fields: Omit<FluxnodeTx, 'txid' | 'size' | 'kind' | 'version'>): FluxnodeTx {
  const base = { kind: 'fluxnode' as const, version: 5 as const, ...fields };
  if (base.nType !== FLUXNODE_START_TX_TYPE && base.nType !== FLUXNODE_CONFIRM_TX_TYPE) throw new Error('bad fluxnode tx type');
  return {
    ...base,
    txid: toRpcHex(sha256d(serializeFluxnode(base, false))),
    size: serializeFluxnode(base, true).length,
  };
}

export function fakeSignature(seed: string): string {
  return Buffer.concat([sha256(Buffer.from(`a:${seed}`)), sha256(Buffer.from(`b:${seed}`)), Buffer.from([0x1b])]).toString('base64');
}

export function merkleRoot(txids: readonly string[]): string {
  if (txids.length === 0) return '0'.repeat(64);
  let level = txids.map(fromRpcHex);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      next.push(sha256d(Buffer.concat([left, right])));
    }
    level = next;
  }
  return toRpcHex(level[0]!);
}

/** Zcash block header: version, prev, merkle root, final sapling root, time, bits, 32-byte nonce, solution. */
export function headerHash(header: Pick<Block, 'version' | 'prev' | 'merkleroot' | 'time' | 'bits' | 'nonce' | 'solution'>): { hash: string; size: number } {
  const w = new ByteWriter(200);
  w.u32(header.version);
  w.bytes(header.prev ? fromRpcHex(header.prev) : Buffer.alloc(32));
  w.bytes(fromRpcHex(header.merkleroot));
  w.bytes(fromRpcHex(EMPTY_SAPLING_ROOT));
  w.u32(header.time).u32(parseInt(header.bits, 16));
  w.bytes(fromRpcHex(header.nonce));
  w.varbytes(Buffer.from(header.solution, 'hex'));
  const bytes = w.toBuffer();
  return { hash: toRpcHex(sha256d(bytes)), size: bytes.length };
}

export function blockSize(headerSize: number, txs: readonly Tx[]): number {
  const countLen = txs.length < 0xfd ? 1 : txs.length <= 0xffff ? 3 : 5;
  return txs.reduce((s, t) => s + t.size, headerSize + countLen);
}
