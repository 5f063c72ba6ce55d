import { blockSchema, type FluxdBlock } from '@fluxplane/fluxd-rpc';
import { describe, expect, it } from 'vitest';
// the devchain is a dev tool; using its in-memory model here keeps the test pure (no I/O)
import { DevChain, renderBlock } from '../../../devchain/src/index';
import {
  DEVCHAIN_CHAIN_FACTS_CONFIG,
  emptyChainIndexerState,
  extractBlockFacts,
  mutateStateWithDelta,
  type ChainFact,
  type FactBlock,
  type MutableChainIndexerState,
} from './index';

describe('facts of a devchain chain', () => {
  it('agree with the devchain: registrations, expiries, payments and price soft forks', () => {
    let t = 1_700_000_000_000;
    const chain = new DevChain({ now: () => (t += 1000) });
    const a = chain.registerNode({ ip: '10.0.0.1:16127', collateral: 1000 });
    const b = chain.registerNode({ ip: '10.0.0.2:16127', collateral: 40000 });
    const paid = chain.pay({ hash: 'cd'.repeat(32), amountSat: 150_000_000 });
    chain.pay({ hash: 'too short', amountSat: 150_000_000 });
    chain.pay({ hash: 'ef'.repeat(32), amountSat: 150_000_000, address: 't1LUs6quf7TB2zVZmexqPQdnqmrFMGZGjV6' });
    const price = chain.softFork({ message: 'p_0.06_0.02_0.008_0.01_0.5' });
    chain.softFork({ message: 'p_1_2_3' }); // not a price message: too few parts
    chain.generate(4);
    chain.expireNode(a.nodeId);
    chain.generate(300, { registrations: 0.3, payments: 0.5, expiries: 0.05, seed: 3 });

    const state: MutableChainIndexerState = { collaterals: new Map(), nodes: new Map() };
    const facts: ChainFact[] = [];
    for (let h = 0; h <= chain.height; h += 1) {
      const wire: FluxdBlock = blockSchema.parse(JSON.parse(JSON.stringify(renderBlock(chain, chain.blockAt(h)!))));
      const input: FactBlock = wire; // the client's type satisfies the domain's structural input
      const r = extractBlockFacts(input, state, DEVCHAIN_CHAIN_FACTS_CONFIG);
      mutateStateWithDelta(state, r.delta);
      facts.push(...r.facts);
    }

    expect(facts.filter((f) => f.kind === 'node-collateral-unknown')).toEqual([]);
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'node-registered', nodeId: a.nodeId, tier: 'CUMULUS', ip: '10.0.0.1:16127' }));
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'node-registered', nodeId: b.nodeId, tier: 'STRATUS' }));
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'node-expired', nodeId: a.nodeId, reason: 'collateral-spent' }));
    expect(facts).toContainEqual(expect.objectContaining({ kind: 'app-payment', txid: paid.txid, hash: 'cd'.repeat(32), amountSat: 150_000_000 }));
    expect(facts.some((f) => f.kind === 'app-payment' && (f.hash === 'ef'.repeat(32) || f.hash === 'too short'))).toBe(false);
    expect(facts.filter((f) => f.kind === 'price-soft-fork')).toEqual([{
      kind: 'price-soft-fork', txid: price.txid, height: 1, message: 'p_0.06_0.02_0.008_0.01_0.5',
      cpu: 0.06, ram: 0.02, hdd: 0.008, minPrice: 0.01, port: 0.5, scope: 6, staticip: 3,
    }]);

    const confirmed = [...state.nodes].filter(([, n]) => n.status === 'confirmed').map(([id]) => id).sort();
    expect(confirmed).toEqual(chain.deterministicList().map((n) => n.outpoint).sort());
    expect(confirmed.length).toBeGreaterThan(20);
    expect(emptyChainIndexerState().nodes.size).toBe(0);
  });
});
