import type { FluxdBlock, FluxdFluxnodeListEntry, FluxdScriptPubKey, FluxdTx, FluxdVout } from '@fluxplane/fluxd-rpc';
import { formatMoney, satToFlux } from './encoding';
import type { DevChain, NodeRecord } from './model';
import { EMPTY_SAPLING_ROOT, EMPTY_SPROUT_ROOT, pushesOf, scriptBytes } from './txbuild';
import { FLUXNODE_START_TX_TYPE, type Block, type Script, type Tier, type Tx } from './types';

/*
 * fluxd's JSON for blocks, transactions and the deterministic node list (field names, order and types
 * follow RunOnFlux/fluxd's blockToJSON, TxToJSON, ScriptPubKeyToJSON and GetDeterministicListData).
 * Known differences: fluxd prints amounts with 8 decimals ("1000.00000000"), JSON.stringify prints
 * 1000 (same number once parsed); vin value/valueSat/address are included as with -spentindex.
 */

const TIER_NAME: Record<number, Tier> = { 1: 'CUMULUS', 2: 'NIMBUS', 3: 'STRATUS' };

function scriptPubKeyJson(script: Script): FluxdScriptPubKey {
  const hex = scriptBytes(script).toString('hex');
  switch (script.kind) {
    case 'p2pkh':
      return { asm: `OP_DUP OP_HASH160 ${script.hash} OP_EQUALVERIFY OP_CHECKSIG`, hex, reqSigs: 1, type: 'pubkeyhash', addresses: [script.address] };
    case 'p2sh':
      return { asm: `OP_HASH160 ${script.hash} OP_EQUAL`, hex, reqSigs: 1, type: 'scripthash', addresses: [script.address] };
    case 'nulldata':
      // ScriptToAsmStr prints pushes of ≤4 bytes as numbers; app hashes (64 bytes) are printed as hex
      return { asm: `OP_RETURN ${script.data}`, hex, type: 'nulldata' };
  }
}

export function renderTx(tx: Tx): FluxdTx {
  if (tx.kind === 'fluxnode') {
    const short = `COutPoint(${tx.collateral.txid.slice(0, 10)}, ${tx.collateral.n})`;
    const full = `COutPoint(${tx.collateral.txid}, ${tx.collateral.n})`;
    const base = {
      txid: tx.txid,
      version: tx.version,
      type: tx.nType === FLUXNODE_START_TX_TYPE ? 'Starting a fluxnode' : 'Confirming a fluxnode',
      collateral_output: short,
      collateral: full,
      txhash: tx.collateral.txid,
      // GetTxIndex() returns a string; the schema turns it back into a number
      outidx: String(tx.collateral.n) as unknown as number,
      sigtime: tx.sigtime,
      sig: tx.sig,
      ip: tx.ip,
    };
    if (tx.nType === FLUXNODE_START_TX_TYPE) {
      return {
        ...base,
        collateral_pubkey: Buffer.from(tx.collateralPubkey ?? '', 'hex').toString('base64'),
        zelnode_pubkey: Buffer.from(tx.pubkey ?? '', 'hex').toString('base64'),
      };
    }
    return {
      ...base,
      update_type: tx.updateType ?? 0,
      benchmark_tier: TIER_NAME[tx.benchmarkTier ?? 0] ?? 'NONE',
      benchmark_sigtime: tx.benchmarkSigtime ?? 0,
      benchmark_sig: tx.benchmarkSig ?? '',
    };
  }
  const vout: FluxdVout[] = tx.vout.map((out, n) => ({
    value: satToFlux(out.valueSat),
    valueZat: out.valueSat,
    valueSat: out.valueSat,
    n,
    scriptPubKey: scriptPubKeyJson(out.script),
  }));
  const vin =
    tx.coinbase !== undefined
      ? [{ coinbase: tx.coinbase, sequence: 4294967295 }]
      : tx.vin.map((input) => ({
          txid: input.txid,
          vout: input.n,
          scriptSig: { asm: pushesOf(input.scriptSig).join(' '), hex: input.scriptSig },
          value: satToFlux(input.valueSat),
          valueSat: input.valueSat,
          address: input.address,
          sequence: 4294967295,
        }));
  return {
    txid: tx.txid,
    version: tx.version,
    overwintered: true,
    versiongroupid: '892f2085',
    locktime: tx.locktime,
    expiryheight: tx.expiryheight,
    vin,
    vout,
    vJoinSplit: [],
    valueBalance: 0,
    valueBalanceZat: 0,
    vShieldedSpend: [],
    vShieldedOutput: [],
  };
}

/** `getblock <hash> 2` (or, with `verbose` false, verbosity 1: tx as txids). */
export function renderBlock(chain: DevChain, block: Block, verbosity: 1 | 2 = 2): FluxdBlock | Omit<FluxdBlock, 'tx'> & { tx: string[] } {
  const active = chain.isActive(block);
  const next = active ? chain.blockAt(block.height + 1) : undefined;
  const out = {
    hash: block.hash,
    confirmations: active ? chain.height - block.height + 1 : -1,
    size: block.size,
    height: block.height,
    version: block.version,
    merkleroot: block.merkleroot,
    finalsaplingroot: EMPTY_SAPLING_ROOT,
    tx: verbosity === 2 ? block.tx.map(renderTx) : block.tx.map((t) => t.txid),
    time: block.time,
    type: 'POW',
    nonce: block.nonce,
    solution: block.solution,
    bits: block.bits,
    difficulty: 1,
    chainwork: (block.height + 1).toString(16).padStart(64, '0'),
    anchor: EMPTY_SPROUT_ROOT,
    valuePools: [
      { id: 'sprout', monitored: true, chainValue: 0, chainValueZat: 0, valueDelta: 0, valueDeltaZat: 0 },
      { id: 'sapling', monitored: true, chainValue: 0, chainValueZat: 0, valueDelta: 0, valueDeltaZat: 0 },
    ],
    ...(block.prev ? { previousblockhash: block.prev } : {}),
    ...(next ? { nextblockhash: next.hash } : {}),
  };
  return out as FluxdBlock;
}

function networkOf(ip: string): string {
  const host = ip.replace(/:\d+$/, '');
  if (host.endsWith('.onion')) return 'onion';
  if (host.includes(':') || host.startsWith('[')) return 'ipv6';
  return 'ipv4';
}

export function renderListEntry(chain: DevChain, node: NodeRecord & { rank: number }): FluxdFluxnodeListEntry {
  const timeAt = (h: number): string => String(chain.blockAt(h)?.time ?? 0);
  return {
    collateral: `COutPoint(${node.collateralTxid}, ${node.collateralN})`,
    txhash: node.collateralTxid,
    outidx: String(node.collateralN) as unknown as number,
    ip: node.ip,
    network: networkOf(node.ip),
    added_height: node.addedHeight,
    confirmed_height: node.confirmedHeight,
    last_confirmed_height: node.lastConfirmedHeight,
    last_paid_height: node.lastPaidHeight,
    tier: node.tier,
    payment_address: node.collateralAddress,
    pubkey: node.pubkey,
    // fluxd prints these with std::to_string; lastpaid of a never-paid node is the genesis time
    activesince: timeAt(node.addedHeight) as unknown as number,
    lastpaid: timeAt(node.lastPaidHeight) as unknown as number,
    amount: formatMoney(node.collateralSat),
    rank: node.rank,
  };
}

/** `viewdeterministicfluxnodelist [filter]`: the filter matches txhash, pubkey, ip or payment address. */
export function renderDeterministicList(chain: DevChain, filter = ''): FluxdFluxnodeListEntry[] {
  return chain
    .deterministicList()
    .filter(
      (n) =>
        filter === '' ||
        n.collateralTxid.includes(filter) ||
        n.pubkey.includes(filter) ||
        n.ip.includes(filter) ||
        n.collateralAddress.includes(filter),
    )
    .map((n) => renderListEntry(chain, n));
}
