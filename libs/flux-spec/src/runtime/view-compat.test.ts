import { describe, expect, it } from 'vitest';
import type { Tier } from '../protocol/tiers';
import { componentOnTier, instanceDemand, isRunnable } from './on-tier';
import { runtimeView } from './view';

/** The readings the scheduler made of raw specs before the runtime view existed: the view keeps every one. */
const base = { name: 'demo', description: 'd', owner: '1abc' };
const on = (spec: Record<string, unknown>, tier: Tier) => runtimeView(spec).components.map((c) => componentOnTier(c, tier));

describe('components on a node tier', () => {
  it('v1: single port/containerPort, misspelt env key', () => {
    const spec = { ...base, version: 1, repotag: 'a/b:1', port: 31000, containerPort: 8080, enviromentParameters: ['X=1'], commands: ['--x'], containerData: '/tmp', cpu: 0.5, ram: 300, hdd: 2, tiered: false };
    expect(on(spec, 'CUMULUS')).toEqual([{ name: 'demo', image: 'a/b:1', ports: [{ host: 31000, container: 8080 }], environment: ['X=1'], commands: ['--x'], containerData: '/tmp', data: { raw: '/tmp', syncMode: null, mounts: [{ kind: 'primary', containerPath: '/tmp', subdir: 'appdata', isFile: false }] }, cpu: 0.5, ramMb: 300, hddGb: 2 }]);
  });

  it('v2/v3 string port arrays become numbers', () => {
    const spec = { ...base, version: 3, repotag: 'a/b:1', ports: ['31000', '31001'], containerPorts: ['80', '443'], domains: ['', ''], enviromentParameters: [], commands: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 10, tiered: false, instances: 5 };
    expect(on(spec, 'NIMBUS')[0]!.ports).toEqual([{ host: 31000, container: 80 }, { host: 31001, container: 443 }]);
  });

  it('a tiered spec takes the node tier value, falling back to the flat value', () => {
    const spec = { ...base, version: 3, repotag: 'a/b:1', ports: [], containerPorts: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 10, tiered: true, cpubasic: 0.5, cpusuper: 2, cpubamf: 4, rambasic: 500, ramsuper: 2000, rambamf: 4000, hddbasic: 5 };
    expect(on(spec, 'CUMULUS')[0]).toMatchObject({ cpu: 0.5, ramMb: 500, hddGb: 5 });
    expect(on(spec, 'NIMBUS')[0]).toMatchObject({ cpu: 2, ramMb: 2000, hddGb: 10 });
    expect(on(spec, 'STRATUS')[0]).toMatchObject({ cpu: 4, ramMb: 4000, hddGb: 10 });
  });

  it('tier keys are ignored when the spec is not tiered', () => {
    const spec = { ...base, version: 3, repotag: 'a/b:1', ports: [], containerPorts: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 10, tiered: false, cpubasic: 0.5 };
    expect(on(spec, 'CUMULUS')[0]!.cpu).toBe(1);
  });

  it('every v4+ compose component, with numeric ports and environmentParameters', () => {
    const spec = { ...base, version: 8, instances: 1, enterprise: false, compose: [
      { name: 'db', description: '', repotag: 'postgres:16', ports: [], domains: [], environmentParameters: ['P=1'], commands: [], containerPorts: [], containerData: 'g:/var/lib/pg', cpu: 1, ram: 2000, hdd: 20, repoauth: '' },
      { name: 'web', description: '', repotag: 'nginx:1', ports: [38000], domains: [''], environmentParameters: [], commands: [], containerPorts: [80], containerData: '/tmp', cpu: 0.3, ram: 200, hdd: 1, repoauth: '' },
    ] };
    const cs = on(spec, 'CUMULUS');
    expect(cs.map((c) => [c.name, c.image, c.containerData])).toEqual([['db', 'postgres:16', 'g:/var/lib/pg'], ['web', 'nginx:1', '/tmp']]);
    expect(cs[1]!.ports).toEqual([{ host: 38000, container: 80 }]);
    expect(instanceDemand(runtimeView(spec), 'CUMULUS')).toEqual({ cpu: 13, ram: 2200, hdd: 21 });
  });

  it('per-component tier values in v4–v7', () => {
    const spec = { ...base, version: 6, instances: 3, compose: [{ name: 'a', repotag: 'x:1', ports: [], containerPorts: [], environmentParameters: [], commands: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 5, tiered: true, cpubasic: 0.2, cpusuper: 0.4, cpubamf: 0.8, rambasic: 100, ramsuper: 200, rambamf: 400, hddbasic: 1, hddsuper: 2, hddbamf: 3 }] };
    expect(on(spec, 'STRATUS')[0]).toMatchObject({ cpu: 0.8, ramMb: 400, hddGb: 3 });
  });

  it('numeric strings count as numbers, as after FluxOS formatting', () => {
    const spec = { ...base, version: 3, repotag: 'a:1', ports: ['31000'], containerPorts: ['80'], containerData: '/tmp', cpu: '0.5', ram: '300', hdd: '2' };
    expect(on(spec, 'CUMULUS')[0]).toMatchObject({ cpu: 0.5, ramMb: 300, hddGb: 2 });
  });

  it('an enterprise spec with an empty public compose, or a component without an image, cannot run', () => {
    expect(isRunnable(runtimeView({ ...base, version: 8, compose: [], enterprise: 'enc' }))).toBe(false);
    const v = runtimeView({ ...base, version: 4, compose: [{ name: 'x', ports: [], containerPorts: [], containerData: '/tmp', cpu: 1, ram: 100, hdd: 1 }] });
    expect(isRunnable(v)).toBe(false);
    expect(v.problems.join()).toMatch(/image/);
  });
});

describe('instances', () => {
  it('uses the spec, with the bounds of its version', () => {
    const n = (spec: Record<string, unknown>) => runtimeView(spec).instances;
    expect(n({ version: 1 })).toBe(3);
    expect(n({ version: 2, instances: 10 })).toBe(3);
    expect(n({ version: 3 })).toBe(3);
    expect(n({ version: 3, instances: 7 })).toBe(7);
    expect(n({ version: 7, instances: 1 })).toBe(3);
    expect(n({ version: 8, instances: 1 })).toBe(1);
    expect(n({ version: 8, instances: '2' })).toBe(2);
    expect(n({ version: 8, instances: 500 })).toBe(100);
    expect(n({ version: 8, instances: 2.5 })).toBe(3);
  });
});
