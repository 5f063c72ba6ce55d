import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { peersOf } from './peers';

const node = (nodeId: string) => ({ nodeId });

describe('peersOf', () => {
  it('takes the next nodes on the ring as outgoing and the previous ones as incoming', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'].map(node);
    expect(peersOf('b', nodes, 2)).toEqual({ outgoing: [node('c'), node('d')], incoming: [node('a'), node('e')] });
    expect(peersOf('e', nodes, 2)).toEqual({ outgoing: [node('a'), node('b')], incoming: [node('d'), node('c')] });
  });

  it('never names the node itself nor a node twice, bounds both lists, and gives every node as many as it can', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 40 }), fc.nat(20), fc.nat(40), (ids, max, pick) => {
      const nodes = ids.map(node);
      const self = ids.length ? ids[pick % ids.length]! : 'self';
      const { outgoing, incoming } = peersOf(self, nodes, max);
      for (const list of [outgoing, incoming]) {
        expect(list.some((n) => n.nodeId === self)).toBe(false);
        expect(new Set(list.map((n) => n.nodeId)).size).toBe(list.length);
        expect(list.length).toBe(Math.min(max, ids.filter((i) => i !== self).length));
      }
    }));
  });

  it('every node is the outgoing peer of someone when there are at least two', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 30 }), fc.integer({ min: 1, max: 14 }), (ids, max) => {
      const nodes = ids.map(node);
      const reached = new Set(ids.flatMap((id) => peersOf(id, nodes, max).outgoing.map((n) => n.nodeId)));
      expect(reached.size).toBe(ids.length);
    }));
  });
});
