import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ContractError, deterministicId, EventDefinitions, makeEvent, parseEvent, Subjects, subjectToken } from './index';

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
