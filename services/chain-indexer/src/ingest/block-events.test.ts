import { parseEvent } from '@fluxplane/contracts';
import { describe, expect, it } from 'vitest';
import { undoFacts, type ChainFact } from '../domain';
import { blockEvents, revertEvents } from './block-events';

const header = { height: 7, hash: 'b'.repeat(64), previousHash: 'a'.repeat(64), time: 1, txCount: 3 };
const price: ChainFact = {
  kind: 'price-soft-fork', txid: 'c'.repeat(64), height: 7, message: 'p_1_2_3_4', cpu: 1, ram: 2, hdd: 3, minPrice: 4, port: 2, scope: 6, staticip: 3,
};

describe('price soft fork events', () => {
  it('a price soft fork becomes PriceScheduleChanged, and its undo PriceScheduleChangeReverted', () => {
    const events = blockEvents(header, [price], new Set());
    expect(events.map((e) => e.type)).toEqual(['PriceScheduleChanged', 'BlockIndexed']);
    expect(parseEvent(JSON.parse(JSON.stringify(events[0])))).toMatchObject({
      data: { height: 7, txid: price.txid, message: 'p_1_2_3_4', cpu: 1, ram: 2, hdd: 3, minPrice: 4, port: 2, scope: 6, staticip: 3 },
    });
    const reverted = revertEvents({ ...header, undo: undoFacts([price], { collaterals: [], nodes: [] }) });
    expect(reverted.map((e) => e.type)).toEqual(['PriceScheduleChangeReverted', 'BlockReverted']);
    expect(reverted[0]!.data).toEqual({ txid: price.txid, height: 7 });
  });

  it('every price soft fork is emitted, even one that repeats an earlier message', () => {
    const again = { ...price, txid: 'd'.repeat(64) };
    expect(blockEvents(header, [price, again], new Set()).filter((e) => e.type === 'PriceScheduleChanged')).toHaveLength(2);
  });
});
