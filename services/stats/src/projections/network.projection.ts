import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';
import type { Projection, ProjectionContext } from '@fluxplane/eventstore';
import { ACTIVITY_EVENT_TYPES, activityOf, type ActivityContext } from '../domain';

/** The tables this projection owns (the samples table is not one of them: it cannot be rebuilt). */
export const NETWORK_TABLES = ['nodes', 'apps', 'instances', 'masters', 'activity', 'activity_totals'] as const;

const key = (name: string) => name.toLowerCase();

/**
 * The network as stats sees it: one row per node (tier, up/down, benchmark, location), per app, per
 * instance (state and what its placement claims), per `g:` component's master; and the activity
 * events (instances started, failed, moved; master elections and changes) with their time, counted
 * in the same transaction as the checkpoint, so each event counts exactly once and a rebuild gives
 * the same figures.
 */
@Injectable()
export class NetworkProjection implements Projection {
  readonly name = 'network';
  readonly subjects = ['evt.>'];
  /**
   * v2: an app's instance count is the runtime view's (v1 read the raw spec, `?? 3`).
   * v3: instance states and placements, benchmark status and location, masters, activity.
   */
  readonly version = 3;

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS nodes (node_id text PRIMARY KEY, tier text NOT NULL, ip text NOT NULL,
      up boolean NOT NULL DEFAULT true, expired boolean NOT NULL DEFAULT false,
      bench_status text NOT NULL DEFAULT 'pending', bench_version text, flux_version text,
      continent text, country text, region text)`);
    await em.query(`CREATE TABLE IF NOT EXISTS apps (name text PRIMARY KEY, owner text NOT NULL, instances int NOT NULL, active boolean NOT NULL,
      pending_releases int NOT NULL DEFAULT 0)`);
    await em.query(`CREATE TABLE IF NOT EXISTS instances (app text NOT NULL, node_id text NOT NULL, state text NOT NULL,
      placed boolean NOT NULL, cpu_tenths int NOT NULL DEFAULT 0, ram_mb int NOT NULL DEFAULT 0, hdd_gb int NOT NULL DEFAULT 0,
      PRIMARY KEY (app, node_id))`);
    await em.query(`CREATE TABLE IF NOT EXISTS masters (app text NOT NULL, component text NOT NULL, node_id text NOT NULL, term int NOT NULL,
      PRIMARY KEY (app, component))`);
    // One row per activity of an event (its stream sequence), at the event's time (Unix ms).
    await em.query(`CREATE TABLE IF NOT EXISTS activity (seq bigint NOT NULL, kind text NOT NULL, at bigint NOT NULL, PRIMARY KEY (seq, kind))`);
    await em.query(`CREATE INDEX IF NOT EXISTS activity_at ON activity (at)`);
    // Totals since the stream began (not pruned): the Prometheus counters.
    await em.query(`CREATE TABLE IF NOT EXISTS activity_totals (kind text PRIMARY KEY, n bigint NOT NULL)`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void> {
    // Activity first: it is judged on the state before the event.
    if (ACTIVITY_EVENT_TYPES.has(e.type)) await this.recordActivity(e, em, ctx.seq);
    await this.applyState(e, em);
  }

  private async recordActivity(e: DomainEvent, em: EntityManager, seq: number): Promise<void> {
    const app = 'app' in e.data ? key(e.data.app) : 'name' in e.data && typeof e.data.name === 'string' ? key(e.data.name) : undefined;
    if (app === undefined) return;
    const nodeId = 'nodeId' in e.data ? e.data.nodeId : undefined;
    const [appRow] = await em.query(`SELECT active, pending_releases FROM apps WHERE name = $1`, [app]) as Array<{ active: boolean; pending_releases: number }>;
    const placed = nodeId === undefined ? false
      : ((await em.query(`SELECT 1 FROM instances WHERE app = $1 AND node_id = $2 AND placed`, [app, nodeId])) as unknown[]).length > 0;
    let previousMaster: string | null = null;
    if (e.type === 'MasterElected') {
      const [m] = await em.query(`SELECT node_id FROM masters WHERE app = $1 AND component = $2`, [app, e.data.component]) as Array<{ node_id: string }>;
      previousMaster = m?.node_id ?? null;
    }
    const context: ActivityContext = { appActive: appRow?.active ?? false, placed, pendingReleases: appRow?.pending_releases ?? 0, previousMaster };
    const { kinds, pendingReleases } = activityOf(e, context);
    if (appRow && pendingReleases !== context.pendingReleases) {
      await em.query(`UPDATE apps SET pending_releases = $2 WHERE name = $1`, [app, pendingReleases]);
    }
    const at = Date.parse(e.time);
    for (const kind of kinds) {
      await em.query(`INSERT INTO activity (seq, kind, at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, [seq, kind, at]);
      await em.query(`INSERT INTO activity_totals (kind, n) VALUES ($1, 1) ON CONFLICT (kind) DO UPDATE SET n = activity_totals.n + 1`, [kind]);
    }
  }

  private async applyState(e: DomainEvent, em: EntityManager): Promise<void> {
    switch (e.type) {
      case 'NodeRegistered':
      case 'NodeExpiryReverted':
        // A reverted expiry: the node is back, as its registration said.
        await em.query(`INSERT INTO nodes (node_id, tier, ip) VALUES ($1,$2,$3)
          ON CONFLICT (node_id) DO UPDATE SET tier = EXCLUDED.tier, ip = EXCLUDED.ip, expired = false`, [e.data.nodeId, e.data.tier, e.data.ip]);
        break;
      case 'NodeExpired':
        await em.query(`UPDATE nodes SET expired = true WHERE node_id = $1`, [e.data.nodeId]);
        break;
      // A compensation of a chain reorganisation: the node's registration never happened.
      case 'NodeRegistrationReverted':
        await em.query(`DELETE FROM nodes WHERE node_id = $1`, [e.data.nodeId]);
        break;
      case 'NodeBenchmarked': {
        const d = e.data;
        const status = d.passed ? (d.tier ?? 'passed') : 'failed';
        await em.query(`UPDATE nodes SET bench_status = $2, bench_version = $3, flux_version = $4, continent = $5, country = $6, region = $7 WHERE node_id = $1`,
          [d.nodeId, status, d.benchVersion, d.fluxVersion ?? null, d.geolocation?.continent ?? null, d.geolocation?.country ?? null, d.geolocation?.region ?? null]);
        break;
      }
      case 'NodeWentDown':
      case 'NodeCameBack':
        await em.query(`UPDATE nodes SET up = $2 WHERE node_id = $1`, [e.data.nodeId, e.type === 'NodeCameBack']);
        break;
      case 'AppRegistered':
      case 'AppUpdated':
        await em.query(`INSERT INTO apps (name, owner, instances, active) VALUES ($1,$2,$3,true)
          ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, instances = EXCLUDED.instances, active = true`,
          [key(e.data.name), e.data.owner, e.data.runtime.instances]);
        break;
      case 'AppExpired':
        await em.query(`UPDATE apps SET active = false WHERE name = $1`, [key(e.data.name)]);
        await em.query(`DELETE FROM instances WHERE app = $1`, [key(e.data.name)]);
        await em.query(`DELETE FROM masters WHERE app = $1`, [key(e.data.name)]);
        break;
      case 'AppExpiryReverted':
        await em.query(`UPDATE apps SET active = true WHERE name = $1`, [key(e.data.name)]);
        break;
      case 'AppRegistrationReverted': {
        const r = e.data.restored;
        if (!r) {
          // A first registration undone: the app never existed (its instances are being stopped).
          for (const table of ['apps', 'instances', 'masters']) {
            await em.query(`DELETE FROM ${table} WHERE ${table === 'apps' ? 'name' : 'app'} = $1`, [key(e.data.name)]);
          }
          break;
        }
        await em.query(`UPDATE apps SET owner = $2, instances = $3, active = $4 WHERE name = $1`, [key(r.name), r.owner, r.runtime.instances, r.active]);
        break;
      }
      case 'InstanceScheduled': {
        // What the placement claims on its node; a rollout on the same node keeps the instance's state.
        const demand = e.data.components.reduce((acc, c) => ({ cpu: acc.cpu + Math.round(c.cpu * 10), ram: acc.ram + c.ramMb, hdd: acc.hdd + c.hddGb }), { cpu: 0, ram: 0, hdd: 0 });
        await em.query(`INSERT INTO instances (app, node_id, state, placed, cpu_tenths, ram_mb, hdd_gb) VALUES ($1,$2,'scheduled',true,$3,$4,$5)
          ON CONFLICT (app, node_id) DO UPDATE SET placed = true, cpu_tenths = EXCLUDED.cpu_tenths, ram_mb = EXCLUDED.ram_mb, hdd_gb = EXCLUDED.hdd_gb`,
          [key(e.data.app), e.data.nodeId, demand.cpu, demand.ram, demand.hdd]);
        break;
      }
      case 'InstanceStarted':
        // Counted running whether or not stats saw its placement (its node says it runs).
        await em.query(`INSERT INTO instances (app, node_id, state, placed) VALUES ($1,$2,'running',false)
          ON CONFLICT (app, node_id) DO UPDATE SET state = 'running'`, [key(e.data.app), e.data.nodeId]);
        break;
      case 'InstanceFailed':
      case 'InstanceStopped':
        // Only an instance that is there changes; a stop after its release (the usual one) finds none.
        await em.query(`UPDATE instances SET state = $3 WHERE app = $1 AND node_id = $2`,
          [key(e.data.app), e.data.nodeId, e.type === 'InstanceFailed' ? 'failed' : 'stopped']);
        break;
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM instances WHERE app = $1 AND node_id = $2`, [key(e.data.app), e.data.nodeId]);
        break;
      case 'MasterElected':
        await em.query(`INSERT INTO masters (app, component, node_id, term) VALUES ($1,$2,$3,$4)
          ON CONFLICT (app, component) DO UPDATE SET node_id = EXCLUDED.node_id, term = EXCLUDED.term`,
          [key(e.data.app), e.data.component, e.data.nodeId, e.data.term]);
        break;
      default:
        break;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${NETWORK_TABLES.join(', ')}`);
  }

  async drop(em: EntityManager): Promise<void> {
    await em.query(`DROP TABLE IF EXISTS ${NETWORK_TABLES.join(', ')}`);
  }
}
