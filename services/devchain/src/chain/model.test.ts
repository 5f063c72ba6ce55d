import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockSchema, fluxnodeListSchema } from '@fluxplane/fluxd-rpc';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockLog, readBlockLog } from '../persistence';
import { decodeAddress, sha256d, toRpcHex } from './encoding';
import { DevChain, MAINNET_APPS_ADDRESS, type ReorgMode } from './model';
import { renderBlock, renderDeterministicList } from './render';
import { headerHash, merkleRoot } from './txbuild';
import type { Block } from './types';

const clock = (): (() => number) => {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
};

function newChain(mode: ReorgMode = 'remine'): DevChain {
  return new DevChain({ now: clock(), genesisTime: 1_700_000_000, reorgMode: mode });
}

function expectLinked(chain: DevChain): void {
  for (let h = 1; h <= chain.height; h += 1) {
    const block = chain.blockAt(h)!;
    expect(block.height).toBe(h);
    expect(block.prev).toBe(chain.blockAt(h - 1)!.hash);
    expect(block.time).toBeGreaterThan(chain.blockAt(h - 1)!.time);
  }
}

const hash = (i: number): string => toRpcHex(sha256d(Buffer.from(`app-${i}`)));

describe('DevChain model', () => {
  it('starts from a genesis block and links blocks by previousblockhash', () => {
    const chain = newChain();
    expect(chain.height).toBe(0);
    expect(chain.blockAt(0)!.prev).toBeNull();
    chain.generate(20);
    expect(chain.height).toBe(20);
    expectLinked(chain);
  });

  it('hashes headers and merkle roots for real', () => {
    const chain = newChain();
    chain.pay({ hash: hash(1), amountSat: 100_000_000 });
    const block = chain.generate(1)[0]!;
    expect(block.tx).toHaveLength(2);
    expect(block.merkleroot).toBe(merkleRoot(block.tx.map((t) => t.txid)));
    expect(headerHash(block).hash).toBe(block.hash);
    expect(new Set(block.tx.map((t) => t.txid)).size).toBe(2);
  });

  it('renders every block in the fluxd getblock format the client accepts', () => {
    const chain = newChain();
    chain.registerNode({ ip: '10.0.0.1:16127', collateral: 12500 });
    chain.pay({ hash: hash(2), amountSat: 250_000_000 });
    chain.generate(4);
    for (let h = 0; h <= chain.height; h += 1) {
      const parsed = blockSchema.safeParse(renderBlock(chain, chain.blockAt(h)!));
      expect(parsed.success, JSON.stringify(parsed.error?.issues[0])).toBe(true);
    }
    const tip = renderBlock(chain, chain.tip) as { confirmations: number; nextblockhash?: string };
    expect(tip.confirmations).toBe(1);
    expect(tip.nextblockhash).toBeUndefined();
  });

  it('registers a node: collateral, then start, then confirm with the ip; the list shows it', () => {
    const chain = newChain();
    const node = chain.registerNode({ ip: '10.0.0.7:16127', collateral: 40000 });
    expect(node.tier).toBe('STRATUS');
    const [b1, b2, b3] = chain.generate(3);
    expect(b1!.tx.map((t) => t.txid)).toContain(node.collateralTxid);
    expect(b2!.tx.map((t) => t.txid)).toContain(node.startTxid);
    expect(b3!.tx.map((t) => t.txid)).toContain(node.confirmTxid);
    const list = fluxnodeListSchema.parse(renderDeterministicList(chain));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ txhash: node.collateralTxid, outidx: 0, ip: '10.0.0.7:16127', tier: 'STRATUS', amount: '40000.00', rank: 0 });
    expect(list[0]!.confirmed_height).toBe(b3!.height);
  });

  it('pays confirmed nodes from the coinbase and rotates the tier queue', () => {
    const chain = newChain();
    const a = chain.registerNode({ ip: '10.0.0.1', collateral: 1000 });
    const b = chain.registerNode({ ip: '10.0.0.2', collateral: 1000 });
    chain.generate(3);
    chain.generate(1);
    const first = chain.deterministicList();
    expect(first.map((n) => n.outpoint)).toHaveLength(2);
    const paid = first.find((n) => n.lastPaidHeight === chain.height)!;
    expect(first[first.length - 1]!.outpoint).toBe(paid.outpoint);
    chain.generate(1);
    const paidNext = chain.deterministicList().find((n) => n.lastPaidHeight === chain.height)!;
    expect(paidNext.outpoint).not.toBe(paid.outpoint);
    expect([a.nodeId, b.nodeId]).toContain(paidNext.outpoint);
  });

  it('expires a node by spending its collateral', () => {
    const chain = newChain();
    const node = chain.registerNode({ ip: '10.0.0.9', collateral: 1000 });
    chain.generate(3);
    expect(chain.deterministicList()).toHaveLength(1);
    const { txid } = chain.expireNode(node.nodeId);
    const block = chain.generate(1)[0]!;
    const spend = block.tx.find((t) => t.txid === txid)!;
    expect(spend.kind === 'transparent' && spend.vin[0]!.txid).toBe(node.collateralTxid);
    expect(chain.deterministicList()).toHaveLength(0);
    expect(() => chain.expireNode(node.nodeId)).toThrow(/no unspent collateral/);
  });

  it('pays the apps address with the hash as an OP_RETURN in the last output', () => {
    const chain = newChain();
    const { txid, address } = chain.pay({ hash: hash(3), amountSat: 123_000_000 });
    expect(address).toBe(MAINNET_APPS_ADDRESS);
    const block = chain.generate(1)[0]!;
    const tx = block.tx.find((t) => t.txid === txid)!;
    if (tx.kind !== 'transparent') throw new Error('expected a transparent tx');
    expect(tx.vout[0]).toMatchObject({ valueSat: 123_000_000, script: { kind: 'p2sh', hash: decodeAddress(MAINNET_APPS_ADDRESS).hash } });
    expect(tx.vout[tx.vout.length - 1]!.script).toEqual({ kind: 'nulldata', data: Buffer.from(hash(3)).toString('hex') });
  });

  it('sends a soft fork from the foundation multisig: funded first, then spent to the multisig with the message last', () => {
    const chain = newChain();
    const { txid, fundingTxid, address } = chain.softFork({ message: 'p_0.06_0.02_0.008_0.01' });
    expect(address).toBe(MAINNET_APPS_ADDRESS);
    const block = chain.generate(1)[0]!;
    const ids = block.tx.map((t) => t.txid);
    expect(ids.indexOf(fundingTxid)).toBeGreaterThan(0);
    expect(ids.indexOf(txid)).toBeGreaterThan(ids.indexOf(fundingTxid));
    const tx = block.tx.find((t) => t.txid === txid)!;
    if (tx.kind !== 'transparent') throw new Error('expected a transparent tx');
    expect(tx.vin).toEqual([expect.objectContaining({ txid: fundingTxid, n: 0, address: MAINNET_APPS_ADDRESS })]);
    expect(tx.vout[0]!.script).toMatchObject({ kind: 'p2sh', address: MAINNET_APPS_ADDRESS });
    expect(tx.vout[tx.vout.length - 1]!.script).toEqual({ kind: 'nulldata', data: Buffer.from('p_0.06_0.02_0.008_0.01').toString('hex') });
    const rendered = renderBlock(chain, block).tx.find((t) => typeof t !== 'string' && t.txid === txid) as { vin: Array<{ address: string; scriptSig: { asm: string } }> };
    expect(rendered.vin[0]!.address).toBe(MAINNET_APPS_ADDRESS);
    expect(rendered.vin[0]!.scriptSig.asm).toMatch(/^0 [0-9a-f]+ [0-9a-f]+ [0-9a-f]+$/);
    expect(() => chain.softFork({ message: '' })).toThrow(/message/);
    // the wallet keeps working after it
    chain.pay({ hash: hash(5), amountSat: 1 });
    expect(chain.generate(1)[0]!.tx).toHaveLength(2);
  });

  it('reorg replaces exactly the last N blocks with a branch one block longer and reports a valid-fork tip', () => {
    const chain = newChain();
    chain.generate(10);
    const before = Array.from({ length: 11 }, (_, h) => chain.blockAt(h)!.hash);
    const result = chain.reorg(3);
    expect(result.forkHeight).toBe(7);
    expect(chain.height).toBe(11);
    for (let h = 0; h <= 7; h += 1) expect(chain.blockAt(h)!.hash).toBe(before[h]);
    for (let h = 8; h <= 10; h += 1) expect(chain.blockAt(h)!.hash).not.toBe(before[h]);
    expectLinked(chain);
    expect(chain.chainTips()).toEqual([
      { height: 11, hash: chain.tip.hash, branchlen: 0, status: 'active' },
      { height: 10, hash: before[10], branchlen: 3, status: 'valid-fork' },
    ]);
    const stale = chain.blockByHash(before[9]!)!;
    expect((renderBlock(chain, stale) as { confirmations: number }).confirmations).toBe(-1);
  });

  it('reorg "remine" re-mines the losing transactions; "drop" discards them', () => {
    for (const mode of ['remine', 'drop'] as const) {
      const chain = newChain(mode);
      chain.generate(2);
      const { txid } = chain.pay({ hash: hash(4), amountSat: 100_000_000 });
      chain.generate(1);
      const result = chain.reorg(1);
      expect(result.transactions).toBe(1);
      const onChain = Array.from({ length: chain.height + 1 }, (_, h) => chain.blockAt(h)!).some((b) => b.tx.some((t) => t.txid === txid));
      expect(onChain).toBe(mode === 'remine');
    }
  });

  it('rejects reorgs deeper than the chain', () => {
    const chain = newChain();
    chain.generate(2);
    expect(() => chain.reorg(3)).toThrow(/exceeds/);
    expect(() => chain.reorg(0)).toThrow(/positive/);
  });

  it('property: any mix of generate, payments, registrations and reorgs keeps the chain linked and the tips consistent', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('gen' as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ t: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 4 }), mode: fc.constantFrom('remine' as const, 'drop' as const) }),
      fc.record({ t: fc.constant('pay' as const), i: fc.nat() }),
      fc.record({ t: fc.constant('node' as const), collateral: fc.constantFrom(1000, 12500, 40000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const chain = newChain();
        let reorgs = 0;
        for (const o of ops) {
          if (o.t === 'gen') chain.generate(o.n);
          else if (o.t === 'pay') chain.pay({ hash: hash(o.i), amountSat: 1_000_000 });
          else if (o.t === 'node') chain.registerNode({ ip: '10.1.1.1', collateral: o.collateral });
          else if (o.depth <= chain.height) {
            const before = chain.height;
            const kept = chain.blockAt(before - o.depth)!.hash;
            chain.reorg(o.depth, o.mode);
            reorgs += 1;
            expect(chain.height).toBe(before + 1);
            expect(chain.blockAt(before - o.depth)!.hash).toBe(kept);
          }
        }
        expectLinked(chain);
        const tips = chain.chainTips();
        expect(tips.filter((t) => t.status === 'active')).toEqual([{ height: chain.height, hash: chain.tip.hash, branchlen: 0, status: 'active' }]);
        expect(tips.length).toBeLessThanOrEqual(reorgs + 1);
        for (const tip of tips) expect(tip.branchlen).toBeLessThanOrEqual(tip.height);
        // node list entries all reference unspent, confirmed collaterals of a valid tier
        for (const n of chain.deterministicList()) expect(['CUMULUS', 'NIMBUS', 'STRATUS']).toContain(n.tier);
      }),
      { numRuns: 40 },
    );
  });

  it('generates 10,000 blocks with a mix of node and payment transactions quickly', () => {
    const chain = newChain();
    const started = performance.now();
    chain.generate(10_000, { registrations: 0.1, payments: 0.3, expiries: 0.02, seed: 42 });
    const ms = performance.now() - started;
    expect(chain.height).toBe(10_000);
    expect(chain.deterministicList().length).toBeGreaterThan(100);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('reorganisations past a state checkpoint', () => {
  it('leave the same state as applying the winning chain from genesis', () => {
    const chain = newChain('drop');
    chain.generate(2600, { registrations: 0.3, payments: 0.2, expiries: 0.05, seed: 7 });
    chain.reorg(700); // fork at 1900: below the checkpoint at 2000, above the one at 1000
    chain.generate(30, { registrations: 0.3, payments: 0.2, expiries: 0.05, seed: 8 });
    const blocks = Array.from({ length: chain.height + 1 }, (_, h) => chain.blockAt(h)!);
    const fresh = new DevChain({ now: clock() }, blocks);
    expect(fresh.tip.hash).toBe(chain.tip.hash);
    expect(renderDeterministicList(chain)).toEqual(renderDeterministicList(fresh));
    expect(chain.deterministicList().length).toBeGreaterThan(100);
  });
});

describe('block log persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devchain-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads the same chain, reorgs included, and keeps mining from it', () => {
    const file = join(dir, 'chain.jsonl');
    const chain = newChain();
    const log = new BlockLog(file);
    log.append(chain.blockAt(0)!);
    chain.onBlock((b) => log.append(b));
    const node = chain.registerNode({ ip: '10.0.0.3', collateral: 12500 });
    chain.generate(6);
    const oldTip = chain.tip.hash;
    chain.reorg(2);
    chain.generate(2);
    log.flush();

    const blocks: Block[] = readBlockLog(file);
    const reloaded = new DevChain({ now: clock() }, blocks);
    expect(reloaded.height).toBe(chain.height);
    expect(reloaded.tip.hash).toBe(chain.tip.hash);
    expect(reloaded.chainTips()).toEqual(chain.chainTips());
    expect(reloaded.chainTips().some((t) => t.hash === oldTip)).toBe(true);
    expect(reloaded.deterministicList().map((n) => n.outpoint)).toEqual([node.nodeId]);
    reloaded.pay({ hash: hash(9), amountSat: 5 });
    expect(reloaded.generate(1)[0]!.prev).toBe(chain.tip.hash);
  });
});
