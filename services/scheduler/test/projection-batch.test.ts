import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { makeEvent, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { createTestDatabase, type TestDatabase } from '@fluxplane/testkit';
import { ClusterState, componentRunsOn } from '../src/domain';
import { SchedulerProjection } from '../src/projections/scheduler.projection';
import { SCHEMA, T } from '../src/projections/tables';
import { hash, v4Spec } from './fixtures';

/**
 * The scheduler projection's `applyBatch` (multi-row statements for runs of placements and liveness
 * changes) leaves exactly the rows that `apply`, one event at a time, leaves: the same events, in the
 * same order, into two databases, compared table by table.
 */
describe('scheduler projection: a batch writes what one event at a time writes', () => {
  let one: TestDatabase;
  let many: TestDatabase;
  let dsOne: DataSource;
  let dsMany: DataSource;

  beforeAll(async () => {
    [one, many] = await Promise.all([createTestDatabase('schedone'), createTestDatabase('schedmany')]);
    [dsOne, dsMany] = await Promise.all([one.dataSource(), many.dataSource()]);
  });
  afterAll(async () => {
    await one?.drop();
    await many?.drop();
  });

  /** A run of events covering every batched path: repeated rows, runs broken by other events, nodes first seen by liveness. */
  function events(): Array<{ event: DomainEvent; seq: number }> {
    const spec = { ...v4Spec(), name: 'demo' };
    const runtime = runtimeView(spec);
    const ran = componentRunsOn(runtime, 'CUMULUS');
    const components = ran.ok ? ran.components : [];
    const placement = Subjects.placement('demo');
    const scheduled = (nodeId: string, specHash = hash('a')) => makeEvent('InstanceScheduled', placement, { app: 'demo', nodeId, nodeIp: '10.0.0.1', specHash, components, reason: `on ${nodeId}` });
    const unscheduled = (nodeId: string) => makeEvent('InstanceUnscheduled', placement, { app: 'demo', nodeId, reason: 'moved' });
    const down = (nodeId: string) => makeEvent('NodeWentDown', Subjects.node(nodeId), { nodeId, lastSeen: new Date(0).toISOString() });
    const list: DomainEvent[] = [];
    for (const n of ['n1', 'n2', 'n3', 'n4']) {
      list.push(makeEvent('NodeRegistered', Subjects.chain(), { nodeId: n, ip: `10.0.0.${n.slice(1)}`, tier: 'CUMULUS', collateralSat: 1e11, txid: hash('b'), height: 1 }));
      list.push(makeEvent('NodeBenchmarked', Subjects.node(n), {
        nodeId: n, passed: true, tier: 'CUMULUS', cores: 4, ramMb: 8000, eps: 100, diskWriteMbps: 100, benchVersion: 't',
        geolocation: { continent: 'EU', country: 'DE' }, staticIp: n === 'n2', datacenter: false, enterprise: false,
      }));
    }
    list.push(makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' }), makeEvent('NodeCameBack', Subjects.node('n2'), { nodeId: 'n2' }));
    list.push(down('n1'), makeEvent('NodeCameBack', Subjects.node('n1'), { nodeId: 'n1' }));
    list.push(down('ghost')); // a node first seen going down
    list.push(makeEvent('AppRegistered', Subjects.app('demo'), {
      name: 'demo', hash: hash('a'), owner: '1abc', spec, runtime, txid: hash('c'), height: 2, expireBlocks: 22000, expiresAtHeight: 22002, timestamp: 1, signature: 's', amountSat: 1,
    }));
    list.push(scheduled('n1'), scheduled('n2'), scheduled('n1', hash('d')), unscheduled('n2'), scheduled('n3'));
    list.push(down('n3'));
    list.push(unscheduled('n3'), scheduled('n4'), unscheduled('n1'), scheduled('n2'));
    return list.map((event, i) => ({ event, seq: i + 1 }));
  }

  async function tables(ds: DataSource) {
    const out: Record<string, unknown[]> = {};
    for (const [name, table] of Object.entries(T)) out[name] = await ds.query(`SELECT * FROM ${table} ORDER BY 1, 2`);
    return out;
  }

  it('leaves the same rows in every table', async () => {
    const list = events();
    const setup = async (ds: DataSource) => {
      const p = new SchedulerProjection(new ClusterState());
      await ds.transaction(async (em) => {
        await em.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
        await p.setup(em);
      });
      return p;
    };
    const single = await setup(dsOne);
    for (const { event, seq } of list) await dsOne.transaction((em) => single.apply(event, em, { seq }));
    const batched = await setup(dsMany);
    await dsMany.transaction((em) => batched.applyBatch(list, em));

    const [a, b] = await Promise.all([tables(dsOne), tables(dsMany)]);
    expect(b).toEqual(a);
    // and the rows are what the events say (not two empty models)
    expect((a.placements as Array<{ node_id: string }>).map((r) => r.node_id)).toEqual(['n2', 'n4']);
    expect((a.nodes as Array<{ node_id: string; up: boolean }>).find((r) => r.node_id === 'ghost')?.up).toBe(false);
  });
});
