import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEVCHAIN_CHAIN_FACTS_CONFIG, FOUNDATION_MULTISIGS, MAINNET_CHAIN_FACTS_CONFIG, emptyChainIndexerState, extractBlockFacts,
  parsePriceMessage, softForkMessage, type FactTransparentTx, type FactVout,
} from './index';

const [OLD_MULTISIG, MULTISIG] = FOUNDATION_MULTISIGS;
const OTHER = 't1cs91szwJdbyonz9CXgNLxBuBVC1fAQfVo';
const foundation = new Set<string>(FOUNDATION_MULTISIGS);
const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const to = (address: string, n = 0): FactVout => ({ valueSat: 1e8, n, scriptPubKey: { asm: 'OP_HASH160 00 OP_EQUAL', addresses: [address] } });
const opReturn = (message: string, n = 1): FactVout => ({ valueSat: 0, n, scriptPubKey: { asm: `OP_RETURN ${hex(message)}` } });

function tx(from: string | undefined, vout: FactVout[], version = 4): FactTransparentTx {
  return { txid: 'a'.repeat(64), version, vin: [{ txid: 'f'.repeat(64), vout: 0, ...(from ? { address: from } : {}) }], vout };
}

describe('parsePriceMessage', () => {
  it('reads the four required prices and defaults port, scope and staticip to 2, 6, 3', () => {
    expect(parsePriceMessage('p_0.06_0.02_0.008_0.01')).toEqual({ cpu: 0.06, ram: 0.02, hdd: 0.008, minPrice: 0.01, port: 2, scope: 6, staticip: 3 });
    expect(parsePriceMessage('p_1_2_3_4_5_6_7')).toEqual({ cpu: 1, ram: 2, hdd: 3, minPrice: 4, port: 5, scope: 6, staticip: 7 });
    expect(parsePriceMessage('p_1_2_3_4_0.5')).toMatchObject({ port: 0.5, scope: 6, staticip: 3 });
  });

  it('follows FluxOS `+part || default`: a zero or empty optional part takes the default', () => {
    expect(parsePriceMessage('p_1_2_3_4_0__0')).toMatchObject({ port: 2, scope: 6, staticip: 3 });
  });

  it('needs version p and a non-empty 5th part', () => {
    expect(parsePriceMessage('p_1_2_3')).toBeUndefined();
    expect(parsePriceMessage('p_1_2_3_')).toBeUndefined();
    expect(parsePriceMessage('x_1_2_3_4')).toBeUndefined();
    expect(parsePriceMessage('P_1_2_3_4')).toBeUndefined();
  });

  it('ignores values that would price apps NaN or negative (a deliberate deviation)', () => {
    expect(parsePriceMessage('p_abc_2_3_4')).toBeUndefined();
    expect(parsePriceMessage('p_1_-2_3_4')).toBeUndefined();
    expect(parsePriceMessage('p_1_2_3_4_-1')).toBeUndefined();
    expect(parsePriceMessage('p_Infinity_2_3_4')).toBeUndefined();
  });

  it('property: a message written from prices reads them back', () => {
    const price = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
    const positive = fc.double({ min: 1e-6, max: 1e6, noNaN: true, noDefaultInfinity: true });
    fc.assert(fc.property(price, price, price, price, fc.option(fc.tuple(positive, positive, positive), { nil: undefined }), (cpu, ram, hdd, minPrice, extra) => {
      const message = ['p', cpu, ram, hdd, minPrice, ...(extra ?? [])].map(String).join('_');
      const [port, scope, staticip] = extra ?? [2, 6, 3];
      expect(parsePriceMessage(message)).toEqual({ cpu, ram, hdd, minPrice, port, scope, staticip });
    }));
  });
});

describe('softForkMessage', () => {
  it('is the last output\'s message of a foundation-to-foundation transaction', () => {
    expect(softForkMessage(tx(MULTISIG, [to(MULTISIG), opReturn('p_1_2_3_4')]), foundation)).toBe('p_1_2_3_4');
    // either multisig on either side
    expect(softForkMessage(tx(OLD_MULTISIG, [to(OTHER), to(MULTISIG, 1), opReturn('p_1_2_3_4', 2)]), foundation)).toBe('p_1_2_3_4');
  });

  it('needs a foundation input, a foundation output, a non-empty last message and version 1–4', () => {
    expect(softForkMessage(tx(OTHER, [to(MULTISIG), opReturn('p_1_2_3_4')]), foundation)).toBeUndefined();
    expect(softForkMessage(tx(undefined, [to(MULTISIG), opReturn('p_1_2_3_4')]), foundation)).toBeUndefined();
    expect(softForkMessage(tx(MULTISIG, [to(OTHER), opReturn('p_1_2_3_4')]), foundation)).toBeUndefined();
    expect(softForkMessage(tx(MULTISIG, [to(MULTISIG)]), foundation)).toBeUndefined();
    expect(softForkMessage(tx(MULTISIG, [to(MULTISIG), opReturn('p_1_2_3_4')], 5), foundation)).toBeUndefined();
    // the OP_RETURN is not last: the last output's (empty) decoding wins, as in FluxOS
    expect(softForkMessage(tx(MULTISIG, [opReturn('p_1_2_3_4', 0), to(MULTISIG, 1)]), foundation)).toBeUndefined();
    // decoding stops at byte 00
    const cut: FactVout = { valueSat: 0, n: 1, scriptPubKey: { asm: `OP_RETURN ${hex('p_1_2_3_4')}00${hex('_9')}` } };
    expect(softForkMessage(tx(MULTISIG, [to(MULTISIG), cut]), foundation)).toBe('p_1_2_3_4');
  });
});

describe('price soft forks among block facts', () => {
  it('yields a price-soft-fork fact on mainnet and the devchain, and none for other soft forks', () => {
    for (const config of [MAINNET_CHAIN_FACTS_CONFIG, DEVCHAIN_CHAIN_FACTS_CONFIG]) {
      const price = { ...tx(MULTISIG, [to(MULTISIG), opReturn('p_0.06_0.02_0.008_0.01')]), txid: '1'.repeat(64) };
      const other = { ...tx(MULTISIG, [to(MULTISIG), opReturn('s_somethingelse_1_2_3')]), txid: '2'.repeat(64) };
      const { facts } = extractBlockFacts({ hash: 'b'.repeat(64), height: 1_800_000, tx: [price, other] }, emptyChainIndexerState(), config);
      expect(facts).toEqual([{
        kind: 'price-soft-fork', txid: price.txid, height: 1_800_000, message: 'p_0.06_0.02_0.008_0.01',
        cpu: 0.06, ram: 0.02, hdd: 0.008, minPrice: 0.01, port: 2, scope: 6, staticip: 3,
      }]);
    }
  });

  it('finds none without foundation addresses configured', () => {
    const price = tx(MULTISIG, [to(MULTISIG), opReturn('p_1_2_3_4')]);
    const { facts } = extractBlockFacts({ hash: 'b'.repeat(64), height: 5, tx: [price] }, emptyChainIndexerState(), { ...DEVCHAIN_CHAIN_FACTS_CONFIG, foundationAddresses: [] });
    expect(facts).toEqual([]);
  });
});
