import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FluxBenchBenchmarks, Tier } from '@fluxplane/contracts';
import { benchStatus, nodeTraits, toBenchmarks } from './fluxbench-reply';
import { architectureName, physicalCores, type NodeMeasurement } from './measure';

const m: NodeMeasurement = { at: 1_700_000_000_500, cores: 2, realCores: 2, ramGb: 23.5, storageGb: 270.6, ddwriteMbps: 900.1, eps: 5800, architecture: 'amd64', dataDir: '/var/lib/x' };

describe("FluxBench's answers", () => {
  it('reports a tier only for a passed verdict; anything else is not a tier name', () => {
    fc.assert(fc.property(
      fc.option(fc.record({ passed: fc.boolean(), tier: fc.option(fc.constantFrom(...Tier.options), { nil: null }) }), { nil: null }),
      fc.constantFrom('pending', 'running', 'complete', 'failed' as const),
      (verdict, benchmarking) => {
        const s = benchStatus(verdict, benchmarking);
        const isTier = (Tier.options as readonly string[]).includes(s);
        expect(isTier).toBe(!!verdict?.passed && !!verdict.tier);
      }));
  });

  it('carries the measurement in FluxBench units and is valid against the contract', () => {
    const b = toBenchmarks({ ip: '127.0.0.11', measurement: m, verdict: { passed: true, tier: 'CUMULUS' }, benchmarking: 'complete', error: null });
    expect(FluxBenchBenchmarks.parse(b)).toEqual(b);
    expect(b).toMatchObject({ status: 'CUMULUS', time: 1_700_000_000, cores: 2, ram: 23.5, ssd: 270.6, totalstorage: 270.6, ddwrite: 900.1, eps: 5800, hdd: 0, error: '' });
    expect(b.disksinfo).toEqual([{ disk: '/var/lib/x', size: 270.6, writespeed: 900.1 }]);
  });

  it('answers zeros before the first measurement, and says why a verdict or measurement failed', () => {
    const none = toBenchmarks({ ip: '127.0.0.11', measurement: null, verdict: null, benchmarking: 'failed', error: 'measurement failed: EACCES' });
    expect(FluxBenchBenchmarks.parse(none)).toMatchObject({ status: 'failed', time: 0, cores: 0, disksinfo: [], error: 'measurement failed: EACCES' });
    const failed = toBenchmarks({ ip: '127.0.0.11', measurement: m, verdict: { passed: false, tier: null, reason: 'below CUMULUS minimums: eps 1 < 2' }, benchmarking: 'complete', error: null });
    expect(failed).toMatchObject({ status: 'failed', error: 'below CUMULUS minimums: eps 1 < 2' });
  });
});

describe('measurement helpers', () => {
  it('counts physical cores from /proc/cpuinfo (hyperthreads share a core id)', () => {
    const cpu = (p: number, c: number) => `processor\t: x\nphysical id\t: ${p}\ncore id\t\t: ${c}\n`;
    expect(physicalCores([cpu(0, 0), cpu(0, 0), cpu(0, 1), cpu(0, 1)].join('\n'))).toBe(2);
    expect(physicalCores([cpu(0, 0), cpu(1, 0)].join('\n'))).toBe(2);
    expect(physicalCores('processor : 0\nmodel name : qemu\n')).toBeNull();
  });

  it("names architectures as FluxBench and Docker do", () => {
    expect(architectureName('x64')).toBe('amd64');
    expect(architectureName('arm64')).toBe('arm64');
    expect(architectureName('riscv64')).toBe('riscv64');
  });
});

describe('node traits', () => {
  it('reads the location as continent, country and region, and carries the flags', () => {
    expect(nodeTraits({ NODE_LOCATION: 'EU_CZ_Prague', NODE_STATIC_IP: true, NODE_DATACENTER: false, NODE_ENTERPRISE: false }))
      .toEqual({ geolocation: { continent: 'EU', country: 'CZ', region: 'Prague' }, staticIp: true, datacenter: false, enterprise: false });
    expect(nodeTraits({ NODE_STATIC_IP: false, NODE_DATACENTER: true, NODE_ENTERPRISE: true })).toEqual({ staticIp: false, datacenter: true, enterprise: true });
  });
});
