import { describe, expect, it } from 'vitest';
import { makeEvent, Subjects, type ComponentRun } from '@fluxplane/contracts';
import { fingerprint, isNews, observeDesired, observeUnscheduled, ownerStopped } from './report';
import type { ActualContainer, DesiredInstance } from './model';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const node = { nodeId: 'n1', ip: '127.0.0.11' };
const comp = (name: string, host: number): ComponentRun => ({ name, image: 'x', ports: [{ host, container: 80 }], environment: [], commands: [], containerData: '', data: null, cpu: 1, ramMb: 64, hddGb: 0 });
const inst: DesiredInstance = { app: 'demo', specHash: H1, components: [comp('web', 31000), comp('db', 31001)] };
const c = (id: string, component: string, state = 'running', specHash = H1): ActualContainer => ({ id, app: 'demo', component, specHash, state });
const subject = Subjects.instance('demo', 'n1');

describe('instance reports', () => {
  it('is started when every component runs with the spec', () => {
    expect(observeDesired(node, inst, [c('a', 'web'), c('b', 'db')])).toEqual({
      type: 'InstanceStarted',
      data: { app: 'demo', nodeId: 'n1', ip: '127.0.0.11', specHash: H1, ports: [31000, 31001], containers: [{ component: 'web', id: 'a' }, { component: 'db', id: 'b' }] },
    });
  });

  it('is failed only for a failure of the current spec, and otherwise still on its way', () => {
    expect(observeDesired(node, inst, [c('a', 'web')], { specHash: H1, error: 'boom' })).toMatchObject({ type: 'InstanceFailed', data: { error: 'boom' } });
    expect(observeDesired(node, inst, [c('a', 'web')], { specHash: H2, error: 'old' })).toBeNull();
    expect(observeDesired(node, inst, [c('a', 'web'), c('b', 'db', 'exited')])).toBeNull();
    expect(observeDesired(node, inst, [c('a', 'web'), c('b', 'db', 'running', H2)])).toBeNull();
  });

  it('is stopped once no container of the app is left', () => {
    expect(observeUnscheduled('n1', 'demo', 'moved', [c('a', 'web', 'exited')])).toBeNull();
    expect(observeUnscheduled('n1', 'demo', 'moved', [])).toEqual({ type: 'InstanceStopped', data: { app: 'demo', nodeId: 'n1', reason: 'unscheduled: moved' } });
  });

  it('is news only when the state differs from the last event', () => {
    const started = observeDesired(node, inst, [c('a', 'web'), c('b', 'db')])!;
    const startedEvent = makeEvent('InstanceStarted', subject, started.data as never);
    expect(isNews(started, null)).toBe(true);
    expect(isNews(started, startedEvent)).toBe(false);
    const restarted = observeDesired(node, inst, [c('x', 'web'), c('b', 'db')])!;
    expect(isNews(restarted, startedEvent)).toBe(true);

    const failed = { type: 'InstanceFailed' as const, data: { app: 'demo', nodeId: 'n1', specHash: H1, error: 'other message' } };
    expect(isNews(failed, makeEvent('InstanceFailed', subject, { ...failed.data, error: 'first message' }))).toBe(false);
    expect(isNews(failed, startedEvent)).toBe(true);

    const stopped = observeUnscheduled('n1', 'demo', 'r', [])!;
    expect(isNews(stopped, null)).toBe(false);
    expect(isNews(stopped, startedEvent)).toBe(true);
    expect(isNews(stopped, makeEvent('InstanceStopped', subject, stopped.data as never))).toBe(false);
    expect(fingerprint(stopped)).toBe('stopped');
  });
});

describe('owner stops', () => {
  it('are news even as the first event (they hold the instance), and differ from an unscheduled stop', () => {
    const r = ownerStopped('n1', 'demo');
    expect(r.data).toMatchObject({ byOwner: true, reason: 'stopped by its owner' });
    expect(isNews(r, null)).toBe(true);
    expect(fingerprint(r)).not.toBe(fingerprint({ type: 'InstanceStopped', data: { app: 'demo', nodeId: 'n1', reason: 'unscheduled: x' } }));
  });
});
