import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exampleSpec } from '../examples';
import { AppRuntime } from './schema';
import { componentOnTier, instanceDemand, isRunnable } from './on-tier';
import { runtimeView } from './view';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/flux-register-message-v2.json'), 'utf8')) as {
  message: { appSpecifications: Record<string, unknown> };
};

describe('runtime view of a spec', () => {
  it('reads the real v2 registration: one component named after the app, tiered resources per node tier', () => {
    const v = runtimeView(fixture.message.appSpecifications);
    expect(v).toMatchObject({ name: 'FoldingAtHome', version: 2, instances: 3, publicPorts: [30001], syncedData: false, problems: [] });
    expect(v.components).toHaveLength(1);
    const c = v.components[0]!;
    expect(c).toMatchObject({ name: 'FoldingAtHome', image: 'yurinnick/folding-at-home:latest', ports: [{ host: 30001, container: 7396 }] });
    expect(c.environment).toContain('TEAM=262156');
    expect(c.commands).toEqual(['--allow', '0/0', '--web-allow', '0/0']);
    expect(c.resources).toEqual({
      CUMULUS: { cpu: 0.5, ramMb: 500, hddGb: 5 }, NIMBUS: { cpu: 1, ramMb: 1000, hddGb: 5 }, STRATUS: { cpu: 2, ramMb: 2000, hddGb: 5 },
    });
    expect(c.data).toEqual({ raw: '/config', syncMode: null, mounts: [{ kind: 'primary', containerPath: '/config', subdir: 'appdata', isFile: false }] });
  });

  it('v1: the single port and container port', () => {
    const v = runtimeView(exampleSpec(1));
    expect(v.components[0]!.ports).toEqual([{ host: 31001, container: 80 }]);
    expect(v.instances).toBe(3);
  });

  it('instances follow the version rules: v8 may ask for 1, older never fewer than 3, never more than 100', () => {
    expect(runtimeView({ ...exampleSpec(8), instances: 1 }).instances).toBe(1);
    expect(runtimeView({ ...exampleSpec(7), instances: 1 }).instances).toBe(3);
    expect(runtimeView({ ...exampleSpec(7), instances: 500 }).instances).toBe(100);
    expect(runtimeView({ ...exampleSpec(6), instances: '5' }).instances).toBe(5);
  });

  it('compose: containerData flags and extra mounts, synced data, domains, public ports in order', () => {
    const spec = exampleSpec(8, 2);
    const compose = spec.compose as Array<Record<string, unknown>>;
    compose[0] = { ...compose[0], ports: [31000, 31001], containerPorts: [80, 81], domains: ['Shop.Example.com', ''], containerData: 'g:/data|m:logs:/var/log|0:/shared' };
    compose[1] = { ...compose[1], ports: [31001, 31002], containerPorts: [90, 91], domains: ['', ''], containerData: 'r:/db|f:conf:/etc/x.conf' };
    const v = runtimeView({ ...spec, geolocation: ['acEU_CZ', 'a!cEU_CZ_Prague'], nodes: ['1.2.3.4:16127'], staticip: true });
    expect(v.publicPorts).toEqual([31000, 31001, 31002]);
    expect(v.domains).toEqual(['shop.example.com']);
    expect(v.syncedData).toBe(true);
    expect(v.components.map((c) => c.data?.syncMode)).toEqual(['g', 'r']);
    expect(v.components[0]!.data!.mounts.map((m) => m.kind)).toEqual(['primary', 'directory', 'componentPrimary']);
    expect(v.components[0]!.data!.mounts[2]).toMatchObject({ componentIndex: 0, containerPath: '/shared' });
    expect(v.components[1]!.data!.mounts[1]).toMatchObject({ kind: 'file', subdir: 'conf', isFile: true });
    expect(v.geolocation).toEqual({ allow: [{ continent: 'EU', country: 'CZ', raw: 'acEU_CZ' }], deny: [{ continent: 'EU', country: 'CZ', region: 'Prague', raw: 'a!cEU_CZ_Prague' }] });
    expect(v).toMatchObject({ nodes: ['1.2.3.4:16127'], staticIp: true, enterprise: false });
  });

  it('an enterprise v8 spec keeps its components encrypted: not runnable, and says why', () => {
    const v = runtimeView({ ...exampleSpec(8), compose: [], enterprise: 'encrypted-blob' });
    expect(v.enterprise).toBe(true);
    expect(isRunnable(v)).toBe(false);
    expect(v.problems.join()).toMatch(/no components/);
  });

  it('a component whose containerData does not parse is reported, not thrown', () => {
    const spec = exampleSpec(4);
    (spec.compose as Array<Record<string, unknown>>)[0]!.containerData = 'x:y:/data|';
    const v = runtimeView(spec);
    expect(v.components[0]!.data).toBeNull();
    expect(v.problems.join()).toMatch(/containerData/);
  });

  it('a component on a tier has the shape of a placement, and demand sums the components in tenths of a core', () => {
    const v = runtimeView(fixture.message.appSpecifications);
    expect(componentOnTier(v.components[0]!, 'NIMBUS')).toMatchObject({ cpu: 1, ramMb: 1000, hddGb: 5, containerData: '/config' });
    expect(instanceDemand(v, 'STRATUS')).toEqual({ cpu: 20, ram: 2000, hdd: 5 });
  });

  it('never throws and always satisfies its schema, whatever a stored spec holds', () => {
    const odd = fc.oneof(fc.jsonValue(), fc.constantFrom(null, '', '3', 'true', [null], [{}], 'g:/x|m:a:/b', -1, 1e9));
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom('version', 'instances', 'compose', 'ports', 'port', 'containerData', 'geolocation', 'nodes', 'cpu', 'tiered', 'enterprise', 'name'), odd, (version, key, value) => {
      const spec = exampleSpec(version, 2);
      spec[key] = value;
      if (Array.isArray(spec.compose) && spec.compose[0] && typeof spec.compose[0] === 'object') (spec.compose[0] as Record<string, unknown>)[key] = value;
      const v = runtimeView(spec);
      expect(AppRuntime.safeParse(v).success).toBe(true);
      expect(v.instances).toBeGreaterThanOrEqual(1);
      expect(v.instances).toBeLessThanOrEqual(100);
    }), { numRuns: 500 });
  });

  it('reads a value whose own toString is not a function (found by the property above)', () => {
    for (const key of ['version', 'geolocation', 'nodes']) {
      const spec = exampleSpec(7, 2);
      spec[key] = [[{ toString: 0 }]];
      expect(AppRuntime.safeParse(runtimeView(spec)).success).toBe(true);
    }
  });
});
