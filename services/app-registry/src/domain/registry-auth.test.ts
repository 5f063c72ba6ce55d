import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEvent, Refusal, Subjects } from '@fluxplane/contracts';
import { exampleSpec } from '@fluxplane/flux-spec';
import { placedNodes } from './placed-nodes';
import { registryAuthFor } from './registry-auth';

const H = 'a'.repeat(64);
const scheduled = (nodeId: string) => ({ event: makeEvent('InstanceScheduled', Subjects.placement('shop'), {
  app: 'shop', nodeId, nodeIp: '127.0.0.2', specHash: H, reason: 'placed',
  components: [{ name: 'web', image: 'x:1', ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 0.1, ramMb: 64, hddGb: 1 }],
}) });
const unscheduled = (nodeId: string) => ({ event: makeEvent('InstanceUnscheduled', Subjects.placement('shop'), { app: 'shop', nodeId, reason: 'moved' }) });

describe('placedNodes', () => {
  it('holds the nodes whose last placement event schedules them', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.boolean()), { maxLength: 20 }), (steps) => {
      const nodes = placedNodes(steps.map(([n, on]) => (on ? scheduled(n) : unscheduled(n))));
      const last = new Map(steps);
      expect([...nodes].sort()).toEqual([...last].filter(([, on]) => on).map(([n]) => n).sort());
    }));
  });
});

describe('registryAuthFor', () => {
  const spec = () => {
    const s = exampleSpec(7, 2);
    s.nodes = ['127.0.0.2'];
    (s.compose as Array<Record<string, unknown>>)[1]!.repoauth = 'bob:p:w';
    return s;
  };
  const ask = (component: string, nodeId = 'n1') => ({ app: 'Example7', component, nodeId });

  it('gives a placed node the component\'s credentials, and null for a public image', () => {
    expect(registryAuthFor(ask('web1'), spec(), new Set(['n1']))).toEqual({ username: 'bob', password: 'p:w' });
    expect(registryAuthFor(ask('web0'), spec(), new Set(['n1']))).toBeNull();
  });

  it('refuses a node without a placement, an unknown app or component, naming why and not the password', () => {
    const refusal = (f: () => unknown) => { try { f(); } catch (e) { return e as Refusal; } throw new Error('no refusal'); };
    const notPlaced = refusal(() => registryAuthFor(ask('web1', 'n2'), spec(), new Set(['n1'])));
    expect(notPlaced).toMatchObject({ rule: 'NotPlaced', message: 'node n2 holds no placement of app Example7' });
    expect(refusal(() => registryAuthFor(ask('web1'), undefined, new Set(['n1'])))).toMatchObject({ rule: 'AppNotFound' });
    expect(refusal(() => registryAuthFor(ask('db'), spec(), new Set(['n1'])))).toMatchObject({ rule: 'ComponentNotFound' });
    const bad = spec();
    (bad.compose as Array<Record<string, unknown>>)[1]!.repoauth = 'nocolon';
    const invalid = refusal(() => registryAuthFor(ask('web1'), bad, new Set(['n1'])));
    expect(invalid).toMatchObject({ rule: 'RepoauthInvalid' });
    expect(invalid.message).not.toContain('nocolon');
  });
});
