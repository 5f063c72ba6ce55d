import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEVCHAIN_CHAIN_FACTS_CONFIG,
  SATS_PER_FLUX,
  MAINNET_CHAIN_FACTS_CONFIG,
  applyStateDelta,
  decodeOpReturnMessage,
  emptyChainIndexerState,
  extractBlockFacts,
  indexBlock,
  invertStateDelta,
  tierFromCollateral,
  type ChainFactsConfig,
  type ChainIndexerState,
  type FactBlock,
  type FactFluxnodeTx,
  type FactTransparentTx,
  type FactVout,
} from './index';

const COIN = SATS_PER_FLUX;
const APPS = 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX';
const OTHER = 't1cs91szwJdbyonz9CXgNLxBuBVC1fAQfVo';
const HASH = 'ab'.repeat(32);
const cfg: ChainFactsConfig = DEVCHAIN_CHAIN_FACTS_CONFIG;

let counter = 0;
const txid = (): string => (counter++).toString(16).padStart(64, '0');
const asciiHex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

const pay = (address: string, valueSat: number, n: number): FactVout => ({
  valueSat,
  n,
  scriptPubKey: { asm: 'OP_HASH160 00 OP_EQUAL', addresses: [address] },
});
const opReturn = (hex: string, n: number): FactVout => ({ valueSat: 0, n, scriptPubKey: { asm: `OP_RETURN ${hex}` } });

function paymentTx(vout: FactVout[], version = 4): FactTransparentTx {
  return { txid: txid(), version, vin: [{ txid: 'f'.repeat(64), vout: 0 }], vout };
}

function block(height: number, tx: FactBlock['tx']): FactBlock {
  return { hash: height.toString(16).padStart(64, 'e'), height, tx };
}

function startTx(collateral: string, n = 0): FactFluxnodeTx {
  return { txid: txid(), version: 5, type: 'Starting a fluxnode', txhash: collateral, outidx: n, ip: '' };
}

function confirmTx(collateral: string, ip: string, updateType = 0, n = 0): FactFluxnodeTx {
  return { txid: txid(), version: 5, type: 'Confirming a fluxnode', txhash: collateral, outidx: n, ip, update_type: updateType, benchmark_tier: 'CUMULUS' };
}

describe('tierFromCollateral', () => {
  it('maps the current and old collateral amounts', () => {
    expect(tierFromCollateral(1000 * COIN)).toBe('CUMULUS');
    expect(tierFromCollateral(10000 * COIN)).toBe('CUMULUS');
    expect(tierFromCollateral(12500 * COIN)).toBe('NIMBUS');
    expect(tierFromCollateral(25000 * COIN)).toBe('NIMBUS');
    expect(tierFromCollateral(40000 * COIN)).toBe('STRATUS');
    expect(tierFromCollateral(100000 * COIN)).toBe('STRATUS');
  });

  it('property: every other amount has no tier', () => {
    const valid = new Set([1000, 10000, 12500, 25000, 40000, 100000].map((f) => f * COIN));
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 200_000 * COIN }), fc.constantFrom(...[...valid].map((v) => v + 1))), (sat) => {
        expect(tierFromCollateral(sat) !== undefined).toBe(valid.has(sat));
      }),
    );
  });
});

describe('decodeOpReturnMessage', () => {
  it('decodes ASCII hex after OP_RETURN and stops at byte 00', () => {
    expect(decodeOpReturnMessage(`OP_RETURN ${asciiHex(HASH)}`)).toBe(HASH);
    expect(decodeOpReturnMessage(`OP_RETURN ${asciiHex('abc')}00${asciiHex('def')}`)).toBe('abc');
    expect(decodeOpReturnMessage('OP_DUP OP_HASH160 00 OP_EQUALVERIFY OP_CHECKSIG')).toBe('');
  });
});

describe('app payments', () => {
  it('indexes a payment to the apps address with a 64-char OP_RETURN', () => {
    const tx = paymentTx([pay(APPS, 3 * COIN, 0), pay(OTHER, 7 * COIN, 1), opReturn(asciiHex(HASH), 2)]);
    const { facts } = extractBlockFacts(block(10, [tx]), emptyChainIndexerState(), cfg);
    expect(facts).toEqual([{ kind: 'app-payment', hash: HASH, txid: tx.txid, height: 10, amountSat: 3 * COIN, address: APPS }]);
  });

  it('sums every output to accepted apps addresses', () => {
    const tx = paymentTx([pay(APPS, 1 * COIN, 0), pay(APPS, 2 * COIN, 1), opReturn(asciiHex(HASH), 2)]);
    expect(extractBlockFacts(block(1, [tx]), emptyChainIndexerState(), cfg).facts[0]).toMatchObject({ amountSat: 3 * COIN });
  });

  it('property: a payment to another address is ignored', () => {
    fc.assert(
      fc.property(fc.constantFrom(OTHER, 't3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX', 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6'), fc.integer({ min: 1, max: 1e12 }), (address, sat) => {
        const tx = paymentTx([pay(address, sat, 0), opReturn(asciiHex(HASH), 1)]);
        expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toEqual([]);
      }),
    );
  });

  it('property: an OP_RETURN message that is not exactly 64 characters is ignored', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 100 }).filter((s) => s.length !== 64),
        (message) => {
          const tx = paymentTx([pay(APPS, COIN, 0), opReturn(asciiHex(message), 1)]);
          expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toEqual([]);
        },
      ),
    );
  });

  it('property: any 64-char hex hash paid to the apps address is indexed with its amount', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.integer({ min: 1, max: 1e13 }), (hash, sat) => {
        const tx = paymentTx([pay(APPS, sat, 0), opReturn(asciiHex(hash), 1)]);
        expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toEqual([
          { kind: 'app-payment', hash, txid: tx.txid, height: 5, amountSat: sat, address: APPS },
        ]);
      }),
    );
  });

  it('stops the message at byte 00 (a 64-char hash followed by 00 and more bytes still counts)', () => {
    const tx = paymentTx([pay(APPS, COIN, 0), opReturn(`${asciiHex(HASH)}00${asciiHex('tail')}`, 1)]);
    expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toHaveLength(1);
  });

  it('reads the message from the last output, like FluxOS; "any-op-return" relaxes that', () => {
    const tx = paymentTx([opReturn(asciiHex(HASH), 0), pay(APPS, COIN, 1)]);
    expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toEqual([]);
    const relaxed = { ...cfg, messageFrom: 'any-op-return' as const };
    expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), relaxed).facts).toHaveLength(1);
  });

  it('applies the mainnet epoch start and the cumulative apps address schedule', () => {
    const at = (height: number, address: string): number =>
      extractBlockFacts(block(height, [paymentTx([pay(address, COIN, 0), opReturn(asciiHex(HASH), 1)])]), emptyChainIndexerState(), MAINNET_CHAIN_FACTS_CONFIG).facts.length;
    expect(at(693_999, 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6')).toBe(0);
    expect(at(694_000, 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6')).toBe(1);
    expect(at(1_299_999, 't3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX')).toBe(0);
    expect(at(1_300_000, 't3aGJvdtd8NR6GrnqnRuVEzH6MbrXuJFLUX')).toBe(1);
    expect(at(1_669_999, APPS)).toBe(0);
    expect(at(1_670_000, APPS)).toBe(1);
    expect(at(2_000_000, 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6')).toBe(1);
  });

  it('ignores fluxnode and non-1..4 versions for payments', () => {
    const tx = paymentTx([pay(APPS, COIN, 0), opReturn(asciiHex(HASH), 1)], 7);
    expect(extractBlockFacts(block(5, [tx]), emptyChainIndexerState(), cfg).facts).toEqual([]);
  });
});

describe('nodes', () => {
  function registered(collateralSat: number): { state: ChainIndexerState; collateral: string; facts: unknown[] } {
    const fund = paymentTx([pay(OTHER, collateralSat, 0)]);
    let state = emptyChainIndexerState();
    const facts: unknown[] = [];
    for (const [h, txs] of [[1, [fund]], [2, [startTx(fund.txid)]], [3, [confirmTx(fund.txid, '10.0.0.1:16127')]]] as const) {
      const r = indexBlock(block(h, txs), state, cfg);
      state = r.state;
      facts.push(...r.facts);
    }
    return { state, collateral: fund.txid, facts };
  }

  it('registers a node on its initial confirmation, with the tier of its collateral', () => {
    const { facts, collateral, state } = registered(12500 * COIN);
    expect(facts).toEqual([
      { kind: 'node-registered', nodeId: `${collateral}:0`, ip: '10.0.0.1:16127', tier: 'NIMBUS', collateralSat: 12500 * COIN, txid: expect.any(String), height: 3 },
    ]);
    expect(state.nodes.get(`${collateral}:0`)).toMatchObject({ status: 'confirmed', confirmedHeight: 3 });
  });

  it('property: the tier of a registration follows the collateral value', () => {
    fc.assert(
      fc.property(fc.constantFrom(1000, 10000, 12500, 25000, 40000, 100000), (flux) => {
        const { facts } = registered(flux * COIN);
        expect(facts).toEqual([expect.objectContaining({ kind: 'node-registered', tier: tierFromCollateral(flux * COIN), collateralSat: flux * COIN })]);
      }),
      { numRuns: 12 },
    );
  });

  it('reports update confirmations and expires a node when its collateral is spent', () => {
    const { state, collateral } = registered(1000 * COIN);
    const update = indexBlock(block(4, [confirmTx(collateral, '10.0.0.2:16127', 1)]), state, cfg);
    expect(update.facts).toEqual([expect.objectContaining({ kind: 'node-confirmed', ip: '10.0.0.2:16127', previousIp: '10.0.0.1:16127' })]);
    const spend: FactTransparentTx = { txid: txid(), version: 4, vin: [{ txid: collateral, vout: 0 }], vout: [pay(OTHER, 999 * COIN, 0)] };
    const expired = indexBlock(block(5, [spend]), update.state, cfg);
    expect(expired.facts).toEqual([{ kind: 'node-expired', nodeId: `${collateral}:0`, reason: 'collateral-spent', txid: spend.txid, height: 5 }]);
    expect(expired.state.nodes.size).toBe(0);
    expect(expired.state.collaterals.size).toBe(0);
  });

  it('reports fluxnode transactions whose collateral it does not know', () => {
    const start = startTx('9'.repeat(64));
    expect(extractBlockFacts(block(2, [start]), emptyChainIndexerState(), cfg).facts).toEqual([
      { kind: 'node-collateral-unknown', nodeId: `${'9'.repeat(64)}:0`, txid: start.txid, height: 2 },
    ]);
  });

  it('expires nodes not re-confirmed in time when confirmationExpiryBlocks is set', () => {
    const { state, collateral } = registered(1000 * COIN);
    const withExpiry = { ...cfg, confirmationExpiryBlocks: 5 };
    expect(extractBlockFacts(block(8, []), state, withExpiry).facts).toEqual([]);
    expect(extractBlockFacts(block(9, []), state, withExpiry).facts).toEqual([
      { kind: 'node-expired', nodeId: `${collateral}:0`, reason: 'confirmation-expired', txid: null, height: 9 },
    ]);
  });

  it('handles a collateral created, started and spent within one block', () => {
    const fund = paymentTx([pay(OTHER, 1000 * COIN, 0)]);
    const spend: FactTransparentTx = { txid: txid(), version: 4, vin: [{ txid: fund.txid, vout: 0 }], vout: [] };
    const r = extractBlockFacts(block(1, [fund, startTx(fund.txid), spend]), emptyChainIndexerState(), cfg);
    expect(r.facts).toEqual([]);
    expect(r.delta).toEqual({ collaterals: [], nodes: [] });
  });
});

describe('state deltas', () => {
  it('property: applying a block then its inverted delta restores the state', () => {
    const outpoint = fc.integer({ min: 0, max: 7 }).map((i) => `${i.toString(16).padStart(64, '0')}`);
    const txArb = fc.oneof(
      fc.record({ fund: outpoint, flux: fc.constantFrom(1000, 12500, 40000, 7) }).map(({ fund, flux }) => ({ txid: fund, version: 4, vin: [], vout: [pay(OTHER, flux * COIN, 0)] }) as FactTransparentTx),
      outpoint.map((o) => startTx(o)),
      fc.record({ o: outpoint, u: fc.constantFrom(0, 1) }).map(({ o, u }) => confirmTx(o, '1.1.1.1', u)),
      outpoint.map((o) => ({ txid: txid(), version: 4, vin: [{ txid: o, vout: 0 }], vout: [] }) as FactTransparentTx),
    );
    fc.assert(
      fc.property(fc.array(fc.array(txArb, { maxLength: 6 }), { minLength: 1, maxLength: 6 }), (blocks) => {
        let state = emptyChainIndexerState();
        const history: Array<{ before: ChainIndexerState; delta: ReturnType<typeof extractBlockFacts>['delta'] }> = [];
        blocks.forEach((txs, i) => {
          const r = indexBlock(block(i + 1, txs), state, { ...cfg, confirmationExpiryBlocks: 3 });
          history.push({ before: state, delta: r.delta });
          state = r.state;
        });
        for (const { before, delta } of history.reverse()) {
          state = applyStateDelta(state, invertStateDelta(delta));
          expect(new Map(state.collaterals)).toEqual(new Map(before.collaterals));
          expect(new Map(state.nodes)).toEqual(new Map(before.nodes));
        }
        expect(state.collaterals.size + state.nodes.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
