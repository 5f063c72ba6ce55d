import { describe, expect, it } from 'vitest';
import { componentRuns } from './spec-components';
import { desiredInstances } from './instances';
import { demandOf } from './resources';

const base = { name: 'demo', description: 'd', owner: '1abc' };

describe('componentRuns', () => {
  it('maps a v1 spec: single port/containerPort, misspelt env key', () => {
    const r = componentRuns({ ...base, version: 1, repotag: 'a/b:1', port: 31000, containerPort: 8080, enviromentParameters: ['X=1'], commands: ['--x'], containerData: '/tmp', cpu: 0.5, ram: 300, hdd: 2, tiered: false }, 'CUMULUS');
    expect(r).toEqual({ ok: true, components: [{ name: 'demo', image: 'a/b:1', ports: [{ host: 31000, container: 8080 }], environment: ['X=1'], commands: ['--x'], containerData: '/tmp', cpu: 0.5, ramMb: 300, hddGb: 2 }] });
  });

  it('maps v2/v3 string port arrays to numbers', () => {
    const r = componentRuns({ ...base, version: 3, repotag: 'a/b:1', ports: ['31000', '31001'], containerPorts: ['80', '443'], domains: ['', ''], enviromentParameters: [], commands: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 10, tiered: false, instances: 5 }, 'NIMBUS');
    expect(r.ok && r.components[0]!.ports).toEqual([{ host: 31000, container: 80 }, { host: 31001, container: 443 }]);
  });

  it('takes the node tier value of a tiered spec, falling back to the flat value', () => {
    const spec = { ...base, version: 3, repotag: 'a/b:1', ports: [], containerPorts: [], cpu: 1, ram: 1000, hdd: 10, tiered: true, cpubasic: 0.5, cpusuper: 2, cpubamf: 4, rambasic: 500, ramsuper: 2000, rambamf: 4000, hddbasic: 5 };
    const at = (tier: 'CUMULUS' | 'NIMBUS' | 'STRATUS') => { const r = componentRuns(spec, tier); return r.ok ? r.components[0] : undefined; };
    expect(at('CUMULUS')).toMatchObject({ cpu: 0.5, ramMb: 500, hddGb: 5 });
    expect(at('NIMBUS')).toMatchObject({ cpu: 2, ramMb: 2000, hddGb: 10 });
    expect(at('STRATUS')).toMatchObject({ cpu: 4, ramMb: 4000, hddGb: 10 });
  });

  it('ignores tier keys when the spec is not tiered', () => {
    const r = componentRuns({ ...base, version: 3, repotag: 'a/b:1', ports: [], containerPorts: [], cpu: 1, ram: 1000, hdd: 10, tiered: false, cpubasic: 0.5 }, 'CUMULUS');
    expect(r.ok && r.components[0]!.cpu).toBe(1);
  });

  it('maps every v4+ compose component with numeric ports and environmentParameters', () => {
    const spec = { ...base, version: 8, instances: 1, enterprise: false, compose: [
      { name: 'db', description: '', repotag: 'postgres:16', ports: [], domains: [], environmentParameters: ['P=1'], commands: [], containerPorts: [], containerData: 'g:/var/lib/pg', cpu: 1, ram: 2000, hdd: 20, repoauth: '' },
      { name: 'web', description: '', repotag: 'nginx:1', ports: [38000], domains: [''], environmentParameters: [], commands: [], containerPorts: [80], containerData: '/tmp', cpu: 0.3, ram: 200, hdd: 1, repoauth: '' },
    ] };
    const r = componentRuns(spec, 'CUMULUS');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.components.map((c) => [c.name, c.image, c.containerData])).toEqual([['db', 'postgres:16', 'g:/var/lib/pg'], ['web', 'nginx:1', '/tmp']]);
    expect(r.components[1]!.ports).toEqual([{ host: 38000, container: 80 }]);
    expect(demandOf(r.components)).toEqual({ cpu: 13, ram: 2200, hdd: 21 });
  });

  it('uses per-component tier values in v4–v7', () => {
    const spec = { ...base, version: 6, instances: 3, compose: [{ name: 'a', repotag: 'x:1', ports: [], containerPorts: [], environmentParameters: [], commands: [], containerData: '/tmp', cpu: 1, ram: 1000, hdd: 5, tiered: true, cpubasic: 0.2, cpusuper: 0.4, cpubamf: 0.8, rambasic: 100, ramsuper: 200, rambamf: 400, hddbasic: 1, hddsuper: 2, hddbamf: 3 }] };
    const r = componentRuns(spec, 'STRATUS');
    expect(r.ok && r.components[0]).toMatchObject({ cpu: 0.8, ramMb: 400, hddGb: 3 });
  });

  it('coerces numeric strings like FluxOS does', () => {
    const r = componentRuns({ ...base, version: 3, repotag: 'a:1', ports: ['31000'], containerPorts: ['80'], cpu: '0.5', ram: '300', hdd: '2' }, 'CUMULUS');
    expect(r.ok && r.components[0]).toMatchObject({ cpu: 0.5, ramMb: 300, hddGb: 2 });
  });

  it('refuses enterprise specs with an empty public compose and components without an image', () => {
    expect(componentRuns({ ...base, version: 8, compose: [], enterprise: 'enc' }, 'CUMULUS').ok).toBe(false);
    const r = componentRuns({ ...base, version: 4, compose: [{ name: 'x', ports: [], containerPorts: [], cpu: 1, ram: 100, hdd: 1 }] }, 'CUMULUS');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/image/);
  });
});

describe('desiredInstances', () => {
  it('uses the spec, with the bounds of its version', () => {
    expect(desiredInstances({ version: 1 })).toBe(3);
    expect(desiredInstances({ version: 2, instances: 10 })).toBe(3);
    expect(desiredInstances({ version: 3 })).toBe(3);
    expect(desiredInstances({ version: 3, instances: 7 })).toBe(7);
    expect(desiredInstances({ version: 7, instances: 1 })).toBe(3);
    expect(desiredInstances({ version: 8, instances: 1 })).toBe(1);
    expect(desiredInstances({ version: 8, instances: '2' })).toBe(2);
    expect(desiredInstances({ version: 8, instances: 500 })).toBe(100);
    expect(desiredInstances({ version: 8, instances: 2.5 })).toBe(3);
  });
});
