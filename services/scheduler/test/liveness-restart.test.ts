import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ProjectionHost } from '@fluxplane/service-kit';
import { sleep, startServiceUnderTest, waitUntil, type ServiceUnderTest } from '@fluxplane/testkit';
import { SchedulerConfig } from '../src/config';
import { SchedulerModule } from '../src/app.module';
import { hash } from './fixtures';

/**
 * Heartbeats are signals, not events: a restarted scheduler has heard nobody. A node whose agent
 * dies while the scheduler is down (or restarting) must still be declared down.
 */
describe('scheduler restart and node liveness', () => {
  let svc: ServiceUnderTest<SchedulerConfig>;

  beforeAll(async () => {
    svc = await startServiceUnderTest({
      name: 'schedliveness', configSchema: SchedulerConfig, module: (c, l) => SchedulerModule.forRoot(c, l),
      env: { NODE_DOWN_AFTER_MS: '500' },
    });
  });
  afterAll(async () => {
    await svc?.close();
  });

  const liveness = async (nodeId: string) => (await svc.store.readStream(Subjects.node(nodeId))).events.map((e) => e.event.type);

  it('declares down a node whose agent had spoken before the restart and stays silent after it', async () => {
    const { store } = svc;
    for (const [i, id] of ['n1', 'n2'].entries()) {
      await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: id, ip: `127.0.0.${21 + i}`, tier: 'CUMULUS', collateralSat: 1000e8, txid: `tx${id}`, height: 1 + i })], 'any');
    }
    // n1 runs an agent (it was heard, and reported an instance); nothing was ever heard from n2.
    await store.append(Subjects.node('n1'), [makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' })], 'any');
    const subject = Subjects.instance('demo', 'n1');
    await store.append(subject, [makeEvent('InstanceStarted', subject, { app: 'demo', nodeId: 'n1', ip: '127.0.0.21', specHash: hash('a'), ports: [], containers: [{ component: 'web', id: 'c1' }] })], 'any');
    await svc.app.get(ProjectionHost).catchUp();

    await svc.stopService();
    await svc.restart();

    await waitUntil(async () => (await liveness('n1')).includes('NodeWentDown'), { timeoutMs: 5000, what: 'n1 declared down' });
    await sleep(700);
    expect(await liveness('n1')).toEqual(['NodeCameBack', 'NodeWentDown']);
    expect(await liveness('n2')).toEqual([]);
  });
});
