import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ComponentRun } from '@fluxplane/contracts';
import { plan, type Action, type MayRun } from './reconciler';
import { isLive, type ActualContainer, type DesiredInstance } from './model';
import { appKey } from './naming';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);

function component(name: string): ComponentRun {
  return { name, image: 'fluxplane/demo:latest', ports: [], environment: [], commands: [], containerData: '', data: null, cpu: 0.1, ramMb: 64, hddGb: 0 };
}
const instance = (app: string, specHash: string, ...components: string[]): DesiredInstance => ({ app, specHash, components: components.map(component) });
const container = (id: string, app: string, comp: string, specHash: string, state = 'running'): ActualContainer => ({ id, app, component: comp, specHash, state });

/** Executes a plan against a model of the engine: what the executor does to Docker. */
function apply(actions: readonly Action[], actual: readonly ActualContainer[]): ActualContainer[] {
  let next = [...actual];
  let n = 0;
  for (const a of actions) {
    if (a.kind === 'remove' || a.kind === 'replace') {
      expect(next.some((c) => c.id === a.container.id), `container ${a.container.id} acted on twice`).toBe(true);
      next = next.filter((c) => c.id !== a.container.id);
    }
    if (a.kind === 'restart') {
      expect(next.some((c) => c.id === a.container.id), `container ${a.container.id} restarted after removal`).toBe(true);
      next = next.map((c) => (c.id === a.container.id ? { ...c, state: 'running' } : c));
    }
    if (a.kind === 'start' || a.kind === 'replace') next.push(container(`new${n++}`, a.app, a.component.name, a.specHash));
  }
  return next;
}

describe('plan', () => {
  it('starts what is missing', () => {
    const actions = plan([instance('demo', H1, 'web', 'db')], []);
    expect(actions.map((a) => [a.kind, a.kind === 'start' && a.component.name])).toEqual([['start', 'db'], ['start', 'web']]);
  });

  it('leaves a healthy container alone', () => {
    expect(plan([instance('demo', H1, 'web')], [container('c1', 'demo', 'web', H1)])).toEqual([]);
    expect(plan([instance('demo', H1, 'web')], [container('c1', 'demo', 'web', H1, 'restarting')])).toEqual([]);
  });

  it('replaces a container of another spec, and one that cannot be started again', () => {
    const [a] = plan([instance('demo', H2, 'web')], [container('c1', 'demo', 'web', H1)]);
    expect(a).toMatchObject({ kind: 'replace', reason: 'spec-changed', specHash: H2, container: { id: 'c1' } });
    const [b] = plan([instance('demo', H1, 'web')], [container('c1', 'demo', 'web', H1, 'dead')]);
    expect(b).toMatchObject({ kind: 'replace', reason: 'not-running', container: { id: 'c1' } });
    const [c] = plan([instance('demo', H2, 'web')], [container('c1', 'demo', 'web', H1, 'exited')]);
    expect(c).toMatchObject({ kind: 'replace', reason: 'spec-changed' });
  });

  it('restarts (same container) a crashed container of the current spec', () => {
    const [a] = plan([instance('demo', H1, 'web')], [container('c1', 'demo', 'web', H1, 'exited')]);
    expect(a).toMatchObject({ kind: 'restart', specHash: H1, container: { id: 'c1' } });
  });

  it('removes unscheduled apps, dropped components and duplicates, before anything starts', () => {
    const actions = plan(
      [instance('demo', H1, 'web'), instance('new', H1, 'web')],
      [container('c1', 'gone', 'web', H1), container('c2', 'demo', 'web', H1), container('c3', 'demo', 'web', H1), container('c4', 'demo', 'db', H1)],
    );
    expect(actions.map((a) => [a.kind, a.kind === 'start' ? a.app : a.container.id, a.kind === 'start' || a.kind === 'restart' ? '' : a.reason])).toEqual([
      ['remove', 'c4', 'component-removed'],
      ['remove', 'c3', 'duplicate'],
      ['remove', 'c1', 'unscheduled'],
      ['start', 'new', ''],
    ]);
  });

  it('matches apps case-insensitively', () => {
    expect(plan([instance('Demo', H1, 'web')], [container('c1', 'demo', 'web', H1)])).toEqual([]);
  });

  // Small alphabets so that generated desired and actual states overlap a lot.
  const arbApp = fc.constantFrom('demo', 'Demo', 'web', 'api');
  const arbComp = fc.constantFrom('web', 'db', 'cache');
  const arbHash = fc.constantFrom(H1, H2);
  const arbState = fc.constantFrom('running', 'restarting', 'paused', 'created', 'exited', 'dead');
  const arbDesired = fc.uniqueArray(
    fc.record({ app: arbApp, specHash: arbHash, components: fc.uniqueArray(arbComp, { minLength: 1, maxLength: 3 }) }),
    { selector: (d) => appKey(d.app), maxLength: 4 },
  ).map((ds) => ds.map((d) => instance(d.app, d.specHash, ...d.components)));
  const arbActual = fc.array(fc.record({ app: arbApp, component: arbComp, specHash: arbHash, state: arbState }), { maxLength: 10 })
    .map((cs) => cs.map((c, i) => container(`c${i}`, c.app, c.component, c.specHash, c.state)));

  it('property: applying the plan to actual yields desired', () => {
    fc.assert(fc.property(arbDesired, arbActual, (desired, actual) => {
      const result = apply(plan(desired, actual), actual);
      const want = desired.flatMap((d) => d.components.map((c) => `${appKey(d.app)}/${c.name}/${d.specHash}`)).sort();
      const got = result.map((c) => `${appKey(c.app)}/${c.component}/${c.specHash}`).sort();
      expect(got).toEqual(want);
      expect(result.every((c) => isLive(c.state))).toBe(true);
    }));
  });

  it('property: a second plan is empty, and healthy containers are never touched', () => {
    fc.assert(fc.property(arbDesired, arbActual, (desired, actual) => {
      const actions = plan(desired, actual);
      expect(plan(desired, apply(actions, actual))).toEqual([]);
      const touched = new Set(actions.flatMap((a) => (a.kind === 'start' || a.kind === 'restart' ? [] : [a.container.id])));
      const result = apply(actions, actual);
      // Every container that survives is untouched, restarted or new; none is removed and kept.
      for (const c of result) expect(touched.has(c.id)).toBe(false);
      // Only containers that were not live are restarted.
      for (const a of actions) if (a.kind === 'restart') expect(isLive(a.container.state)).toBe(false);
    }));
  });

  describe('fencing (g: components run only where they may)', () => {
    const gComponent = (name: string): ComponentRun => ({ ...component(name), containerData: 'g:/data', data: { raw: 'g:/data', mounts: [{ kind: 'primary', containerPath: '/data', subdir: 'appdata', isFile: false }], syncMode: 'g' } });
    const gInstance = (app: string, specHash: string, g: string, ...others: string[]): DesiredInstance => ({ app, specHash, components: [gComponent(g), ...others.map(component)] });
    const NEVER: MayRun = () => false;

    it('does not start a g: component that may not run, but starts its other components', () => {
      const actions = plan([gInstance('db', H1, 'pg', 'web')], [], NEVER);
      expect(actions.map((a) => [a.kind, a.kind === 'start' && a.component.name])).toEqual([['start', 'web']]);
      expect(plan([gInstance('db', H1, 'pg')], [], () => true).map((a) => a.kind)).toEqual(['start']);
    });

    it('removes (stops) a running g: container when this node is no longer the master, and never restarts one', () => {
      const [a] = plan([gInstance('db', H1, 'pg')], [container('c1', 'db', 'pg', H1)], NEVER);
      expect(a).toMatchObject({ kind: 'remove', reason: 'fenced', container: { id: 'c1' } });
      const [b] = plan([gInstance('db', H1, 'pg')], [container('c1', 'db', 'pg', H1, 'exited')], NEVER);
      expect(b).toMatchObject({ kind: 'remove', reason: 'fenced' });
      // The master keeps its container.
      expect(plan([gInstance('db', H1, 'pg')], [container('c1', 'db', 'pg', H1)], () => true)).toEqual([]);
    });

    it('asks only about g: components', () => {
      const asked: string[] = [];
      plan([gInstance('db', H1, 'pg', 'web')], [], (app, c) => { asked.push(`${app}/${c}`); return false; });
      expect(asked).toEqual(['db/pg']);
    });

    const arbMaster = fc.func(fc.boolean());
    const arbGDesired = fc.uniqueArray(
      fc.record({ app: arbApp, specHash: arbHash, g: arbComp, others: fc.uniqueArray(arbComp, { maxLength: 2 }) }),
      { selector: (d) => appKey(d.app), maxLength: 4 },
    ).map((ds) => ds.map((d) => gInstance(d.app, d.specHash, d.g, ...d.others.filter((o) => o !== d.g))));

    it('property: after the plan, a g: container is live only where it may run, and none is ever started where it may not', () => {
      fc.assert(fc.property(arbGDesired, arbActual, arbMaster, (desired, actual, may) => {
        const mayRun: MayRun = (app, c) => may(appKey(app), c);
        const gKeys = new Set(desired.flatMap((d) => d.components.filter((c) => c.data?.syncMode === 'g').map((c) => `${appKey(d.app)}/${c.name}`)));
        const actions = plan(desired, actual, mayRun);
        for (const a of actions) {
          if (a.kind !== 'remove' && gKeys.has(`${appKey(a.app)}/${a.component.name}`)) expect(mayRun(a.app, a.component.name)).toBe(true);
        }
        const result = apply(actions, actual);
        for (const c of result) {
          if (gKeys.has(`${appKey(c.app)}/${c.component}`)) expect(mayRun(c.app, c.component)).toBe(true);
        }
        // Converged: planning again changes nothing.
        expect(plan(desired, result, mayRun)).toEqual([]);
      }));
    });
  });
});
