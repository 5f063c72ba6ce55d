import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, Rpc, Subjects } from '@fluxplane/contracts';
import { ProjectionHost, call } from '@fluxplane/service-kit';
import { startServiceUnderTest, ServiceUnderTest } from '@fluxplane/testkit';
import { StatsConfig } from '../src/config';
import { StatsModule } from '../src/app.module';
import type { NetworkSummary } from '../src/projections/network.reader';
import { runtimeView } from '@fluxplane/flux-spec';

describe('stats service', () => {
  let svc: ServiceUnderTest<StatsConfig>;

  beforeAll(async () => {
    svc = await startServiceUnderTest({ name: 'stats', configSchema: StatsConfig, module: (c, l) => StatsModule.forRoot(c, l) });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('counts nodes by tier, apps and running instances from events, and rebuilds to the same answer', async () => {
    const { store } = svc;
    const tiers = ['CUMULUS', 'CUMULUS', 'NIMBUS', 'STRATUS'] as const;
    for (const [i, tier] of tiers.entries()) {
      await store.append(Subjects.chain(), [makeEvent('NodeRegistered', Subjects.chain(), { nodeId: `n${i}`, ip: `127.0.0.${11 + i}`, tier, collateralSat: 1, txid: `t${i}`, height: i })], 'any');
    }
    const spec = { name: 'demo', instances: 3 };
    await store.append(Subjects.app('demo'), [makeEvent('AppRegistered', Subjects.app('demo'), {
      name: 'demo', hash: 'a'.repeat(64), owner: 'o', spec, runtime: runtimeView(spec), txid: 'tx', height: 5, expireBlocks: 22000, expiresAtHeight: 22005, timestamp: 1, signature: 's', amountSat: 1,
    })], 'any');
    for (const n of ['n0', 'n1', 'n2']) {
      await store.append(Subjects.instance('demo', n), [makeEvent('InstanceStarted', Subjects.instance('demo', n), { app: 'demo', nodeId: n, ip: '127.0.0.1', specHash: 'a'.repeat(64), ports: [1], containers: [] })], 'any');
    }
    await store.append(Subjects.instance('demo', 'n2'), [makeEvent('InstanceFailed', Subjects.instance('demo', 'n2'), { app: 'demo', nodeId: 'n2', specHash: 'a'.repeat(64), error: 'x' })], 'any');
    await svc.app.get(ProjectionHost).catchUp();

    const expected: NetworkSummary = { nodes: { total: 4, up: 4, byTier: { CUMULUS: 2, NIMBUS: 1, STRATUS: 1 } }, apps: { total: 1 }, instances: { running: 2 } };
    const res = await fetch(`${svc.base}/stats`);
    expect(await res.json()).toEqual({ status: 'success', data: expected });
    expect(await call(store.nc, Rpc.statsSummary, {})).toEqual(expected);
    const listed = await (await fetch(`${svc.base}/projections`)).json();
    expect(listed).toEqual([{ name: 'network', position: expect.any(Number), parked: [] }]);

    // An operator restarts it with REBUILD_PROJECTIONS: the read model is replayed, same answer.
    await svc.stopService();
    const app = await svc.restart({ REBUILD_PROJECTIONS: 'true' });
    await app.get(ProjectionHost).catchUp();
    expect(await call(store.nc, Rpc.statsSummary, {})).toEqual(expected);
  });
});
