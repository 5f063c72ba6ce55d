import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TIERS } from '@fluxplane/flux-spec';
import { allocatable, figuresOf, INSTANCE_STATES, type InstanceRow, type NetworkState, type NodeRow } from './figures';

const node = (nodeId: string, over: Partial<NodeRow> = {}): NodeRow => ({
  nodeId, tier: 'CUMULUS', up: true, benchStatus: 'CUMULUS', fluxVersion: 'v1', country: 'CZ', ...over,
});
const inst = (nodeId: string, state: InstanceRow['state'], demand = { cpu: 5, ram: 500, hdd: 10 }, placed = true): InstanceRow => ({ nodeId, state, placed, demand });

describe('figuresOf', () => {
  it('counts nodes by tier, state, benchmark, version and country, instances by state, resources per tier', () => {
    const state: NetworkState = {
      nodes: [
        node('a'),
        node('b', { up: false, benchStatus: 'failed', fluxVersion: null, country: null }),
        node('c', { tier: 'STRATUS', benchStatus: 'pending', fluxVersion: 'v2', country: 'DE' }),
      ],
      activeApps: 2,
      instances: [
        inst('a', 'running'), inst('a', 'scheduled', { cpu: 10, ram: 1000, hdd: 20 }), inst('b', 'failed'), inst('c', 'stopped', { cpu: 15, ram: 2000, hdd: 40 }),
        // reported by a node without a placement: counted, claims nothing
        inst('c', 'running', { cpu: 0, ram: 0, hdd: 0 }, false),
        // on a node stats does not know (expired): counted, claims nothing on any tier
        inst('gone', 'running'),
      ],
    };
    const f = figuresOf(state);
    expect(f.nodes).toEqual({
      total: 3, up: 2, down: 1,
      byTier: { CUMULUS: 2, NIMBUS: 0, STRATUS: 1 }, upByTier: { CUMULUS: 1, NIMBUS: 0, STRATUS: 1 },
      byBenchmark: { CUMULUS: 1, failed: 1, pending: 1 },
      byVersion: { v1: 1, unknown: 1, v2: 1 },
      byCountry: { CZ: 1, unknown: 1, DE: 1 },
    });
    expect(f.apps).toEqual({ total: 2 });
    expect(f.instances).toEqual({ running: 3, scheduled: 1, failed: 1, stopped: 1 });
    const cumulus = allocatable('CUMULUS');
    const stratus = allocatable('STRATUS');
    // CUMULUS: a (up) holds 1.5 cores, 1500 MB, 30 GB; b (down) holds 0.5 core and gives nothing.
    expect(f.resources.CUMULUS).toEqual({
      cpu: { used: 2, free: (cumulus.cpu - 15) / 10 }, ramMb: { used: 2000, free: cumulus.ram - 1500 }, hddGb: { used: 40, free: cumulus.hdd - 30 },
    });
    expect(f.resources.STRATUS).toEqual({
      cpu: { used: 1.5, free: (stratus.cpu - 15) / 10 }, ramMb: { used: 2000, free: stratus.ram - 2000 }, hddGb: { used: 40, free: stratus.hdd - 40 },
    });
    expect(f.resources.NIMBUS).toEqual({ cpu: { used: 0, free: 0 }, ramMb: { used: 0, free: 0 }, hddGb: { used: 0, free: 0 } });
  });

  it('never answers negative free resources for an over-committed node', () => {
    const f = figuresOf({ nodes: [node('a')], activeApps: 1, instances: [inst('a', 'running', { cpu: 1000, ram: 1e6, hdd: 1e5 })] });
    expect(f.resources.CUMULUS.cpu.free).toBe(0);
    expect(f.resources.CUMULUS.ramMb.free).toBe(0);
    expect(f.resources.CUMULUS.hddGb.free).toBe(0);
  });

  const tierArb = fc.constantFrom(...TIERS);
  const stateArb = fc.record({
    nodes: fc.uniqueArray(fc.record({
      nodeId: fc.string({ minLength: 1, maxLength: 4 }), tier: tierArb, up: fc.boolean(),
      benchStatus: fc.constantFrom('CUMULUS', 'NIMBUS', 'STRATUS', 'failed', 'pending'),
      fluxVersion: fc.option(fc.constantFrom('v1', 'v2', 'v3'), { nil: null }), country: fc.option(fc.constantFrom('CZ', 'DE', 'US'), { nil: null }),
    }), { selector: (n) => n.nodeId, maxLength: 20 }),
    activeApps: fc.nat(50),
    instances: fc.array(fc.record({
      nodeId: fc.string({ minLength: 1, maxLength: 4 }), state: fc.constantFrom(...INSTANCE_STATES), placed: fc.boolean(),
      demand: fc.record({ cpu: fc.integer({ min: 1, max: 40 }), ram: fc.integer({ min: 1, max: 8000 }), hdd: fc.integer({ min: 1, max: 300 }) }),
    }), { maxLength: 40 }),
  });
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

  it('adds up: every node once in each breakdown, every instance once, used + free = what the nodes have', () => {
    fc.assert(fc.property(stateArb, (state) => {
      const f = figuresOf(state);
      const n = state.nodes.length;
      expect(f.nodes.up + f.nodes.down).toBe(n);
      for (const by of [f.nodes.byTier, f.nodes.byBenchmark, f.nodes.byVersion, f.nodes.byCountry]) expect(sum(by)).toBe(n);
      expect(sum(f.nodes.upByTier)).toBe(f.nodes.up);
      for (const t of TIERS) expect(f.nodes.upByTier[t]).toBeLessThanOrEqual(f.nodes.byTier[t]);
      expect(sum(f.instances)).toBe(state.instances.length);
      for (const t of TIERS) {
        const nodes = state.nodes.filter((x) => x.tier === t);
        const ids = new Set(nodes.map((x) => x.nodeId));
        const claims = state.instances.filter((i) => i.placed && ids.has(i.nodeId));
        expect(f.resources[t].ramMb.used).toBe(claims.reduce((a, i) => a + i.demand.ram, 0));
        // Free is what each up node has left, never below zero.
        const cap = allocatable(t);
        const expectedFree = nodes.filter((x) => x.up).reduce((a, x) => {
          const used = claims.filter((i) => i.nodeId === x.nodeId).reduce((u, i) => u + i.demand.ram, 0);
          return a + Math.max(0, cap.ram - used);
        }, 0);
        expect(f.resources[t].ramMb.free).toBe(expectedFree);
        expect(f.resources[t].cpu.free).toBeGreaterThanOrEqual(0);
      }
    }));
  });
});
