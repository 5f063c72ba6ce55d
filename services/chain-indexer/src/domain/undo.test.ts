import fc from 'fast-check';
import { blockSchema } from '@fluxplane/fluxd-rpc';
import { describe, expect, it } from 'vitest';
// the devchain's in-memory model keeps the test pure (no I/O)
import { DevChain, renderBlock } from '../../../devchain/src/index';
import {
  backoffMs, DEVCHAIN_CHAIN_FACTS_CONFIG, extractBlockFacts, forkHeight, invertStateDelta, mutateStateWithDelta, undoFacts,
  type ChainFact, type MutableChainIndexerState, type StateDelta, type UndoFact,
} from './index';

/** A minimal read model of chain facts: nodes (with expired flag), payments and price soft forks. */
type Model = { nodes: Map<string, { tier: string; ip: string; expired: boolean }>; payments: Map<string, number>; prices: Map<string, number> };
const emptyModel = (): Model => ({ nodes: new Map(), payments: new Map(), prices: new Map() });
function fold(m: Model, f: ChainFact | UndoFact): void {
  switch (f.kind) {
    case 'node-registered': m.nodes.set(f.nodeId, { tier: f.tier, ip: f.ip, expired: false }); break;
    case 'node-expired': m.nodes.set(f.nodeId, { ...m.nodes.get(f.nodeId)!, expired: true }); break;
    case 'app-payment': m.payments.set(f.hash, f.height); break;
    case 'node-registration-reverted': m.nodes.delete(f.nodeId); break;
    case 'node-expiry-reverted': m.nodes.set(f.nodeId, { tier: f.tier, ip: f.ip, expired: false }); break;
    case 'app-payment-reverted': m.payments.delete(f.hash); break;
    case 'price-soft-fork': m.prices.set(f.txid, f.height); break;
    case 'price-soft-fork-reverted': m.prices.delete(f.txid); break;
    default: break;
  }
}

describe('undoing blocks', () => {
  const chain = new DevChain({ now: () => 1_700_000_000_000 });
  for (let i = 0; i < 5; i++) chain.registerNode({ ip: `10.0.0.${i}:16127`, collateral: 1000 });
  chain.generate(3);
  for (let i = 0; i < 10; i++) {
    chain.softFork({ message: `p_0.0${i + 1}_0.01_0.004_0.01` });
    chain.generate(15, { registrations: 0.5, payments: 0.5, expiries: 0.2, seed: 11 + i });
  }
  const blocks = Array.from({ length: chain.height + 1 }, (_, h) => blockSchema.parse(JSON.parse(JSON.stringify(renderBlock(chain, chain.blockAt(h)!)))));

  function indexTo(height: number) {
    const state: MutableChainIndexerState = { collaterals: new Map(), nodes: new Map() };
    const model = emptyModel();
    const seen = new Set<string>();
    const kept: Array<{ delta: StateDelta; undo: UndoFact[] }> = [];
    for (const b of blocks.slice(0, height + 1)) {
      const { facts, delta } = extractBlockFacts(b, state, DEVCHAIN_CHAIN_FACTS_CONFIG);
      mutateStateWithDelta(state, delta);
      const emitted = facts.filter((f) => f.kind === 'node-registered' || f.kind === 'node-expired' || f.kind === 'price-soft-fork'
        || (f.kind === 'app-payment' && !seen.has(f.hash) && seen.add(f.hash)));
      emitted.forEach((f) => fold(model, f));
      kept.push({ delta, undo: undoFacts(emitted, delta) });
    }
    return { state, model, kept };
  }

  it('property: a tip rolled back to any fork equals an index that stopped at the fork', () => {
    const full = indexTo(chain.height);
    expect(full.model.nodes.size).toBeGreaterThan(20);
    expect(full.model.prices.size).toBe(10);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: chain.height - 1 }), (fork) => {
        const { state, model, kept } = indexTo(chain.height);
        for (const k of kept.slice(fork + 1).reverse()) {
          k.undo.forEach((u) => fold(model, u));
          mutateStateWithDelta(state, invertStateDelta(k.delta));
        }
        const expected = indexTo(fork);
        expect(model).toEqual(expected.model);
        expect(new Map(state.nodes)).toEqual(new Map(expected.state.nodes));
        expect(new Map(state.collaterals)).toEqual(new Map(expected.state.collaterals));
      }),
      { numRuns: 15 },
    );
  });

  it('undoes a node registered and expired in the same block with its registration data', () => {
    const reg: ChainFact = { kind: 'node-registered', nodeId: 'a:0', ip: '1.2.3.4', tier: 'NIMBUS', collateralSat: 1, txid: 't', height: 5 };
    const exp: ChainFact = { kind: 'node-expired', nodeId: 'a:0', reason: 'collateral-spent', txid: 'u', height: 5 };
    expect(undoFacts([reg, exp], { collaterals: [], nodes: [] }).map((u) => u.kind)).toEqual(['node-expiry-reverted', 'node-registration-reverted']);
  });
});

describe('forkHeight', () => {
  it('property: is the highest height with equal hashes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), (fork, above) => {
      const local = new Map<number, string>();
      const remote = new Map<number, string>();
      for (let h = 0; h <= fork + above; h++) {
        local.set(h, `l${h}`);
        remote.set(h, h <= fork ? `l${h}` : `r${h}`);
      }
      expect(forkHeight(local, remote)).toBe(fork);
    }));
    expect(forkHeight(new Map([[3, 'a']]), new Map([[3, 'b']]))).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('property: grows exponentially up to the cap, never below half the nominal delay', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (failures, r) => {
      const nominal = Math.min(10_000, 100 * 2 ** (failures - 1));
      const d = backoffMs({ initialMs: 100, maxMs: 10_000 }, failures, () => r);
      expect(d).toBeGreaterThanOrEqual(Math.floor(nominal / 2));
      expect(d).toBeLessThanOrEqual(nominal);
    }));
    expect(backoffMs({ initialMs: 100, maxMs: 1000 }, 0)).toBe(0);
  });
});
