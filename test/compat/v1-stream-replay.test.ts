import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { ProjectionRunner, type Projection } from '@fluxplane/eventstore';
import { openDatabase } from '@fluxplane/service-kit';
import { eventStoreFixture, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import { SchedulerProjection } from '../../services/scheduler/src/projections/scheduler.projection';
import { ClusterState } from '../../services/scheduler/src/domain';
import { RoutingProjection } from '../../services/domain-manager/src/projections/routing.projection';
import { NetworkProjection } from '../../services/stats/src/projections/network.projection';

/**
 * A stream written by fluxplane 0.1 (AppRegistered v1: raw spec only) replays into today's
 * projections, which read only the runtime view: the contracts' upcasters derive it on the way in.
 */
const stream = JSON.parse(readFileSync(join(__dirname, 'v1-app-events.json'), 'utf8')) as {
  events: Array<{ subject: string; envelope: Record<string, unknown> }>;
};

describe('a stream written with AppRegistered v1 replays into today\'s projections', () => {
  let fx: EventStoreWithDatabaseFixture;

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'compat' });
    // The bytes as the old version published them, not re-encoded by today's contracts.
    for (const e of stream.events) await fx.store.js.publish(e.subject, JSON.stringify(e.envelope), { msgID: String(e.envelope.id) });
    const run = async (projection: Projection, schema: string, on: DataSource = fx.ds) => {
      const runner = new ProjectionRunner(fx.store, on, projection, { schema });
      fx.onClose(() => runner.stop());
      await runner.start();
      await runner.catchUp();
      expect(await runner.parked()).toEqual([]);
    };
    await run(new SchedulerProjection(new ClusterState()), 'scheduler');
    await run(new RoutingProjection(), 'domain_manager');
    // Stats names its tables unqualified, in the search_path its service sets on every connection.
    const statsDs = await openDatabase(fx.db.url, 'stats', 'compat-test');
    fx.onClose(() => statsDs.destroy());
    await run(new NetworkProjection(), 'stats', statsDs);
  });
  afterAll(() => fx?.close());

  it('the scheduler holds each app\'s runtime view, the update undone by the revert', async () => {
    const rows: Array<{ key: string; hash: string; runtime: { instances: number; publicPorts: number[]; components: Array<{ name: string }> } }> =
      await fx.ds.query('SELECT key, hash, runtime FROM scheduler.apps ORDER BY key');
    expect(rows.map((r) => [r.key, r.hash.slice(0, 4), r.runtime.instances, r.runtime.publicPorts, r.runtime.components.map((c) => c.name)])).toEqual([
      ['legacy', '1111', 5, [31500, 31501], ['Legacy']],
      ['other', '4444', 3, [31700], ['other']],
    ]);
  });

  it('the domain manager routes the public ports of the view', async () => {
    const rows: Array<{ name: string; ports: number[] }> = await fx.ds.query('SELECT name, ports FROM domain_manager.apps ORDER BY name');
    expect(rows).toEqual([{ name: 'legacy', ports: [31500, 31501] }, { name: 'other', ports: [31700] }]);
  });

  it('stats counts the instances the view says', async () => {
    const rows: Array<{ name: string; instances: number }> = await fx.ds.query('SELECT name, instances FROM stats.apps ORDER BY name');
    expect(rows).toEqual([{ name: 'legacy', instances: 5 }, { name: 'other', instances: 3 }]);
  });
});
