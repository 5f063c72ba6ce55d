import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mayStartSynced, type GateInput, type PeerSyncView } from './sync-gate';

const idle = { state: 'idle', needItems: 0, needBytes: 0, localChanges: 0 };
const peer = (nodeId: string, over: Partial<PeerSyncView> = {}): PeerSyncView => ({ nodeId, reported: true, holdsData: false, connected: true, indexReceived: false, ...over });

describe('mayStartSynced (the r: start rule)', () => {
  it('lets s: start at once, whatever the folder says', () => {
    expect(mayStartSynced({ mode: 's', local: null, peers: [peer('a', { holdsData: true, connected: false })] }).ok).toBe(true);
  });

  it('lets the first instance of a new app start: no other node holds it', () => {
    expect(mayStartSynced({ mode: 'r', local: idle, peers: [] })).toEqual({ ok: true, why: expect.stringMatching(/first instance/) });
  });

  it('waits for the folder to exist, to be idle and to need nothing', () => {
    expect(mayStartSynced({ mode: 'r', local: null, peers: [] })).toMatchObject({ ok: false, reason: expect.stringMatching(/not configured/) });
    expect(mayStartSynced({ mode: 'r', local: { ...idle, state: 'syncing' }, peers: [] })).toMatchObject({ ok: false, reason: 'folder is syncing' });
    expect(mayStartSynced({ mode: 'r', local: { ...idle, needItems: 2, needBytes: 10 }, peers: [] })).toMatchObject({ ok: false, reason: expect.stringMatching(/needs 2 items/) });
  });

  it('waits for the index of a peer that holds data, then starts once nothing is needed', () => {
    const holder = peer('a', { holdsData: true });
    expect(mayStartSynced({ mode: 'r', local: idle, peers: [holder] })).toMatchObject({ ok: false, reason: expect.stringMatching(/index of a peer that holds data \(a\)/) });
    expect(mayStartSynced({ mode: 'r', local: idle, peers: [{ ...holder, connected: false, indexReceived: true }] })).toMatchObject({ ok: false, reason: expect.stringMatching(/a not connected/) });
    expect(mayStartSynced({ mode: 'r', local: idle, peers: [{ ...holder, indexReceived: true }, peer('b', { reported: false })] })).toEqual({ ok: true, why: 'in sync with a' });
  });

  it('reverts files only this node has before starting from the peers copy', () => {
    const d = mayStartSynced({ mode: 'r', local: { ...idle, localChanges: 3 }, peers: [peer('a', { holdsData: true, indexReceived: true })] });
    expect(d).toMatchObject({ ok: false, revert: true });
  });

  it('starts when no peer holds data yet, but only once every peer has reported', () => {
    expect(mayStartSynced({ mode: 'r', local: idle, peers: [peer('a'), peer('b', { reported: false })] })).toMatchObject({ ok: false, reason: 'waiting for sync reports of b' });
    expect(mayStartSynced({ mode: 'r', local: { ...idle, localChanges: 2 }, peers: [peer('a'), peer('b', { connected: false })] })).toEqual({ ok: true, why: 'no peer holds data yet' });
  });

  it('g: is gated like r: (the election decides on top of it)', () => {
    expect(mayStartSynced({ mode: 'g', local: idle, peers: [peer('a', { holdsData: true })] }).ok).toBe(false);
  });

  const peerArb = fc.record({ nodeId: fc.constantFrom('a', 'b', 'c', 'd'), reported: fc.boolean(), holdsData: fc.boolean(), connected: fc.boolean(), indexReceived: fc.boolean() });
  const inputArb: fc.Arbitrary<GateInput> = fc.record({
    mode: fc.constantFrom('r' as const, 'g' as const),
    local: fc.option(fc.record({ state: fc.constantFrom('idle', 'scanning', 'syncing', 'error'), needItems: fc.nat(3), needBytes: fc.nat(3), localChanges: fc.nat(2) }), { nil: null }),
    peers: fc.array(peerArb, { maxLength: 4 }),
  });

  it('property: never starts a folder that is not idle or still needs something', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const d = mayStartSynced(input);
      if (d.ok) {
        expect(input.local).not.toBeNull();
        expect(input.local!.state).toBe('idle');
        expect(input.local!.needItems + input.local!.needBytes).toBe(0);
      }
    }));
  });

  it('property: when a peer holds data, starts only with a connected peer holding data whose index arrived, and no local changes', () => {
    fc.assert(fc.property(inputArb, (input) => {
      const d = mayStartSynced(input);
      if (d.ok && input.peers.some((p) => p.holdsData)) {
        expect(input.peers.some((p) => p.holdsData && p.connected && p.indexReceived)).toBe(true);
        expect(input.local!.localChanges).toBe(0);
      }
      if (d.ok && !input.peers.some((p) => p.holdsData)) expect(input.peers.every((p) => p.reported)).toBe(true);
    }));
  });
});
