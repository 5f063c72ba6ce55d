import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { ComponentRuns, ContractError, deterministicId, EventDefinitions, isSealed, makeEvent, parseEvent, seal, Subjects, subjectToken } from './index';

const benchmarked = (nodeId = 'n1') => makeEvent('NodeBenchmarked', Subjects.node(nodeId), {
  nodeId, passed: true, tier: 'CUMULUS', cores: 2, ramMb: 4000, eps: 1, diskWriteMbps: 1, benchVersion: 't',
});

describe('event envelope', () => {
  it('round-trips a valid event through JSON', () => {
    const e = benchmarked();
    expect(parseEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  it('names the bad field of an invalid envelope', () => {
    expect(() => parseEvent({ ...benchmarked(), subject: 'not.evt' })).toThrow(/invalid event envelope: subject: subject must be evt/);
    expect(() => parseEvent({ ...benchmarked(), time: 'yesterday' })).toThrow(/time/);
    expect(() => parseEvent('a string')).toThrow(ContractError);
  });

  it('names the bad field of invalid data', () => {
    const e = benchmarked();
    expect(() => parseEvent({ ...e, data: { ...e.data, tier: 'GIANT' } })).toThrow(/invalid NodeBenchmarked: data\.tier/);
    expect(() => parseEvent({ ...e, data: { ...e.data, cores: -1 } })).toThrow(/data\.cores/);
  });

  it('refuses unknown types and newer schema versions', () => {
    expect(() => parseEvent({ ...benchmarked(), type: 'NodeExploded' })).toThrow(/unknown event type 'NodeExploded'/);
    expect(() => parseEvent({ ...benchmarked(), schemaVersion: 99 })).toThrow(/schema version 99 is newer/);
  });

  it('never lets a producer build an invalid event', () => {
    expect(() => makeEvent('NodeRegistered', Subjects.chain(), { nodeId: 'x', ip: '1.2.3.4', tier: 'CUMULUS', collateralSat: 0, txid: 't', height: 1 }))
      .toThrow(/data\.collateralSat/);
  });

  it('keeps trace ids', () => {
    const e = makeEvent('NodeCameBack', Subjects.node('n'), { nodeId: 'n' }, { causationId: 'c1', correlationId: 'r1' });
    expect(parseEvent(JSON.parse(JSON.stringify(e)))).toMatchObject({ causationId: 'c1', correlationId: 'r1' });
  });

  it('has a schema version for every defined event', () => {
    for (const [type, def] of Object.entries(EventDefinitions)) {
      expect(def.type).toBe(type);
      expect(def.schemaVersion).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('ids and subjects', () => {
  it('derives the same UUID-shaped id from the same parts, and different ones otherwise', () => {
    fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (a, b) => {
      const ia = deterministicId(...a);
      expect(ia).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(deterministicId(...a)).toBe(ia);
      if (a.join('\u001f') !== b.join('\u001f')) expect(deterministicId(...b)).not.toBe(ia);
    }));
  });

  it('turns any id into one valid subject token, injectively', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
      const ta = subjectToken(a);
      expect(ta).not.toMatch(/[.\s*>]/);
      if (a !== b) expect(subjectToken(b)).not.toBe(ta);
    }));
  });

  it('keys apps case-insensitively and keeps node ids with colons', () => {
    expect(Subjects.app('Demo')).toBe(Subjects.app('demo'));
    expect(Subjects.node('abc:0')).toBe('evt.node.abc:0');
    expect(Subjects.instance('App', 'n.1')).toBe('evt.instance.app.n%2e1');
  });
});

describe('schema versions', () => {
  const specV3 = {
    version: 3, name: 'old', description: 'd', owner: '1Owner', repotag: 'busybox:latest', ports: ['31000'], domains: [''],
    enviromentParameters: [], commands: [], containerPorts: ['80'], containerData: 's:/data', cpu: 0.5, ram: 500, hdd: 5, tiered: false, instances: 4,
  };
  const v1Registered = {
    id: 'e1', type: 'AppRegistered', schemaVersion: 1, subject: 'evt.app.old', time: new Date(0).toISOString(),
    data: { name: 'old', hash: 'a'.repeat(64), owner: '1Owner', spec: specV3, txid: 't', height: 10, expireBlocks: 22000,
      expiresAtHeight: 22010, timestamp: 1, signature: 's', amountSat: 1 },
  };

  it('reads an AppRegistered written as v1 (raw spec only) as today\'s version, with its runtime view', () => {
    const e = parseEvent(v1Registered);
    expect(e.schemaVersion).toBe(2);
    if (e.type !== 'AppRegistered') throw new Error('type');
    expect(e.data.runtime).toMatchObject({ name: 'old', instances: 4, publicPorts: [31000], syncedData: true });
  });

  it('reads the restored registration of an AppRegistrationReverted v1 with its view', () => {
    const e = parseEvent({
      ...v1Registered, type: 'AppRegistrationReverted',
      data: { name: 'old', hash: 'b'.repeat(64), height: 11, reverted: 'AppUpdated', restored: { ...v1Registered.data, promotedBy: 'AppRegistered', active: true, expiredAtHeight: null } },
    });
    if (e.type !== 'AppRegistrationReverted') throw new Error('type');
    expect(e.data.restored?.runtime.instances).toBe(4);
  });

  it('every older version of every event has an upcaster', () => {
    for (const def of Object.values(EventDefinitions)) {
      for (let v = 1; v < def.schemaVersion; v++) expect(typeof def.upcasters[v]).toBe('function');
    }
  });

  it('names the version an invalid old event was written with', () => {
    expect(() => parseEvent({ ...v1Registered, data: { ...v1Registered.data, hash: 'nope' } })).toThrow(/invalid AppRegistered \(written as v1\): data\.hash/);
  });
});

describe('InstanceScheduled versions', () => {
  it('reads a v1 placement (containerData only) with its parsed data', () => {
    const v1 = {
      id: 'p1', type: 'InstanceScheduled', schemaVersion: 1, subject: 'evt.placement.demo', time: new Date(0).toISOString(),
      data: { app: 'demo', nodeId: 'n1', nodeIp: '127.0.0.11', specHash: 'a'.repeat(64), reason: 'instance 1 of 3', components: [
        { name: 'web', image: 'x:1', ports: [], environment: [], commands: [], containerData: 'r:/data|m:logs:/var/log', cpu: 0.5, ramMb: 100, hddGb: 1 },
        { name: 'odd', image: 'x:1', ports: [], environment: [], commands: [], containerData: 'x:y:z', cpu: 0.5, ramMb: 100, hddGb: 1 },
      ] },
    };
    const e = parseEvent(v1);
    if (e.type !== 'InstanceScheduled') throw new Error('type');
    expect(e.data.components[0]!.data).toMatchObject({ syncMode: 'r', mounts: [{ kind: 'primary', containerPath: '/data' }, { kind: 'directory', subdir: 'logs' }] });
    expect(e.data.components[1]!.data).toBeNull();
  });
});

describe('sealed values', () => {
  const component = { name: 'web', image: 'x:1', ports: [{ host: 31000, container: 80 }], environment: ['A=1'], commands: [], containerData: '/data', data: null, cpu: 0.5, ramMb: 100, hddGb: 1 };
  const instance = (components: unknown, over: Record<string, unknown> = {}) => ({ app: 'demo', nodeId: 'n1', nodeIp: '127.0.0.11', specHash: 'a'.repeat(64), reason: 'instance 1 of 3', components, ...over });
  const make = (data: ReturnType<typeof instance>) => makeEvent('InstanceScheduled', 'evt.placement.demo', data as never, { id: 'p1', time: new Date(0) });

  it('an InstanceScheduled with sealed components is the event made with the same components unsealed', () => {
    const sealed = seal(ComponentRuns, [component]);
    expect(make(instance(sealed))).toEqual(make(instance([component])));
    // Taken as it is, not copied: the same frozen list in every event.
    expect(make(instance(sealed)).data.components).toBe(sealed);
  });

  it('still validates the fields around a sealed value', () => {
    const sealed = seal(ComponentRuns, [component]);
    expect(() => make(instance(sealed, { specHash: 'nope' }))).toThrow(/invalid InstanceScheduled: data\.specHash/);
    expect(() => make(instance(sealed, { reason: 'x'.repeat(201) }))).toThrow(/data\.reason/);
  });

  it('validates components that were not sealed, or sealed with another schema', () => {
    expect(() => make(instance([{ ...component, cpu: -1 }]))).toThrow(/data\.components\.0\.cpu/);
    const otherSchema = seal(z.array(z.unknown()), [{ ...component, ramMb: 0 }]);
    expect(() => make(instance(otherSchema))).toThrow(/data\.components\.0\.ramMb/);
  });

  it('seals only valid values, and freezes what it sealed', () => {
    expect(() => seal(ComponentRuns, [])).toThrow();
    const sealed = seal(ComponentRuns, [component]);
    expect(() => { (sealed[0]!.ports as Array<{ host: number }>)[0]!.host = 1; }).toThrow(TypeError);
    expect(() => { sealed.push(component as never); }).toThrow(TypeError);
    expect(isSealed(ComponentRuns, sealed)).toBe(true);
    expect(isSealed(ComponentRuns, [...sealed])).toBe(false);
  });
});
