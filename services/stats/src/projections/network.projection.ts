import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';

/**
 * The network as stats sees it: one row per node (tier, up/down), per app, per instance (running or
 * not). Counts are computed from these rows so that a rebuild gives the same answer.
 */
@Injectable()
export class NetworkProjection implements Projection {
  readonly name = 'network';
  readonly subjects = ['evt.>'];

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS nodes (node_id text PRIMARY KEY, tier text NOT NULL, ip text NOT NULL,
      benchmarked boolean NOT NULL DEFAULT false, up boolean NOT NULL DEFAULT true, expired boolean NOT NULL DEFAULT false)`);
    await em.query(`CREATE TABLE IF NOT EXISTS apps (name text PRIMARY KEY, owner text NOT NULL, instances int NOT NULL, active boolean NOT NULL)`);
    await em.query(`CREATE TABLE IF NOT EXISTS instances (app text NOT NULL, node_id text NOT NULL, running boolean NOT NULL,
      PRIMARY KEY (app, node_id))`);
  }

  async apply(e: DomainEvent, em: EntityManager): Promise<void> {
    switch (e.type) {
      case 'NodeRegistered':
        await em.query(`INSERT INTO nodes (node_id, tier, ip) VALUES ($1,$2,$3)
          ON CONFLICT (node_id) DO UPDATE SET tier = EXCLUDED.tier, ip = EXCLUDED.ip, expired = false`, [e.data.nodeId, e.data.tier, e.data.ip]);
        break;
      case 'NodeExpired':
        await em.query(`UPDATE nodes SET expired = true WHERE node_id = $1`, [e.data.nodeId]);
        break;
      // Compensations of a chain reorganisation: the node's registration / expiry never happened.
      case 'NodeRegistrationReverted':
        await em.query(`DELETE FROM nodes WHERE node_id = $1`, [e.data.nodeId]);
        break;
      case 'NodeExpiryReverted':
        await em.query(`INSERT INTO nodes (node_id, tier, ip) VALUES ($1,$2,$3)
          ON CONFLICT (node_id) DO UPDATE SET tier = EXCLUDED.tier, ip = EXCLUDED.ip, expired = false`, [e.data.nodeId, e.data.tier, e.data.ip]);
        break;
      case 'NodeBenchmarked':
        await em.query(`UPDATE nodes SET benchmarked = $2 WHERE node_id = $1`, [e.data.nodeId, e.data.passed]);
        break;
      case 'NodeWentDown':
      case 'NodeCameBack':
        await em.query(`UPDATE nodes SET up = $2 WHERE node_id = $1`, [e.data.nodeId, e.type === 'NodeCameBack']);
        break;
      case 'AppRegistered':
      case 'AppUpdated': {
        const instances = Number((e.data.spec as { instances?: unknown }).instances ?? 3) || 3;
        await em.query(`INSERT INTO apps (name, owner, instances, active) VALUES ($1,$2,$3,true)
          ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, instances = EXCLUDED.instances, active = true`,
          [e.data.name.toLowerCase(), e.data.owner, instances]);
        break;
      }
      case 'AppExpired':
        await em.query(`UPDATE apps SET active = false WHERE name = $1`, [e.data.name.toLowerCase()]);
        await em.query(`DELETE FROM instances WHERE app = $1`, [e.data.name.toLowerCase()]);
        break;
      case 'AppExpiryReverted':
        await em.query(`UPDATE apps SET active = true WHERE name = $1`, [e.data.name.toLowerCase()]);
        break;
      case 'AppRegistrationReverted': {
        const r = e.data.restored;
        if (!r) {
          // A first registration undone: the app never existed (its instances are being stopped).
          await em.query(`DELETE FROM apps WHERE name = $1`, [e.data.name.toLowerCase()]);
          await em.query(`DELETE FROM instances WHERE app = $1`, [e.data.name.toLowerCase()]);
          break;
        }
        const instances = Number((r.spec as { instances?: unknown }).instances ?? 3) || 3;
        await em.query(`UPDATE apps SET owner = $2, instances = $3, active = $4 WHERE name = $1`, [r.name.toLowerCase(), r.owner, instances, r.active]);
        break;
      }
      case 'InstanceStarted':
      case 'InstanceFailed':
      case 'InstanceStopped':
        await em.query(`INSERT INTO instances (app, node_id, running) VALUES ($1,$2,$3)
          ON CONFLICT (app, node_id) DO UPDATE SET running = EXCLUDED.running`, [e.data.app.toLowerCase(), e.data.nodeId, e.type === 'InstanceStarted']);
        break;
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM instances WHERE app = $1 AND node_id = $2`, [e.data.app.toLowerCase(), e.data.nodeId]);
        break;
      default:
        break;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query('TRUNCATE nodes, apps, instances');
  }
}
