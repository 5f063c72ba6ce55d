import { describe, expect, it } from 'vitest';
import type { Logger, ProjectionHost } from '@fluxplane/service-kit';
import type { ContainerRuntime, ContainerSummary } from '../adapters/container-runtime';
import type { Action } from '../domain/reconciler';
import { Labels } from '../domain/naming';
import type { DesiredState, DesiredStateReader } from '../projections/desired-state.reader';
import type { InstanceReporter } from './instance-reporter';
import type { NodeAgentConfig } from '../config';
import type { ActionExecutor } from './executor';
import { NodeReconciler } from './node-reconciler';

const H1 = '1'.repeat(64);
const logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, child() { return this; } } as unknown as Logger;

function summary(id: string, app: string): ContainerSummary {
  return { id, names: [`/fluxweb_${app}_n1`], image: 'x', state: 'running', labels: { [Labels.node]: 'n1', [Labels.app]: app, [Labels.component]: 'web', [Labels.specHash]: H1 }, raw: {} };
}

function loopWith(state: DesiredState, containers: ContainerSummary[]) {
  const executed: Action[] = [];
  const runtime = { list: async () => containers } as unknown as ContainerRuntime;
  const reader = { load: async () => state } as unknown as DesiredStateReader;
  const executor = { execute: async (actions: readonly Action[]) => { executed.push(...actions); return new Map(); }, removeVolumesOfGone: async () => undefined } as unknown as ActionExecutor;
  const reporter = { report: async () => false } as unknown as InstanceReporter;
  const config = { NODE_ID: 'n1', NODE_IP: '127.0.0.1' } as NodeAgentConfig;
  return { loop: new NodeReconciler(config, runtime, reader, executor, reporter, logger, {} as ProjectionHost), executed };
}

describe('NodeReconciler.pass', () => {
  it('removes the containers of an app unscheduled from this node', async () => {
    const { loop, executed } = loopWith({ desired: [], unscheduled: [{ app: 'gone', reason: 'node down' }] }, [summary('c1', 'gone')]);
    await loop.pass();
    expect(executed.map((a) => [a.kind, a.kind === 'remove' && a.container.id])).toEqual([['remove', 'c1']]);
  });

  it('never removes containers of an app its read model has never heard of (a lost or foreign read model must not wipe the node)', async () => {
    const { loop, executed } = loopWith({ desired: [], unscheduled: [] }, [summary('c1', 'precious')]);
    await loop.pass();
    expect(executed).toEqual([]);
  });
});
