import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { appPorts } from '../domain/app-ports';
import { APPS_TABLE, INSTANCES_TABLE } from '../schema';

/**
 * Routable state: active apps with their public ports, and instances with where they run. Only
 * facts are stored; what is routable is decided by `desiredRoutes`, so a change of policy needs
 * no rebuild.
 */
@Injectable()
export class RoutingProjection implements Projection {
  readonly name = 'routing';
  // Placements too: an InstanceUnscheduled (node down, surplus, move) takes the server out at once.
  readonly subjects = [Subjects.all.apps, Subjects.all.instances, Subjects.all.placements];
  /** Set when an applied event changed routable state; the applier takes it after the commit. */
  private dirty = false;

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${APPS_TABLE} (
      name text PRIMARY KEY,
      ports int[] NOT NULL,
      spec_hash text NOT NULL,
      seq bigint NOT NULL)`);
    // An expired app keeps its row (inactive) so that an AppExpiryReverted can route it again: the
    // revert carries only the name and hash, not the spec. Added to tables created before it.
    await em.query(`ALTER TABLE ${APPS_TABLE} ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${INSTANCES_TABLE} (
      app text NOT NULL,
      node_id text NOT NULL,
      ip text NOT NULL,
      ports int[] NOT NULL,
      running boolean NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (app, node_id))`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    switch (e.type) {
      case 'AppRegistered':
      case 'AppUpdated':
        await this.upsertApp(em, e.data.name, e.data.spec, e.data.hash, true, ctx.seq);
        break;
      case 'AppExpired':
        // Its instances go: if the name is registered again, old locations must not come back. The
        // app row stays, inactive, for an AppExpiryReverted.
        await em.query(`UPDATE ${APPS_TABLE} SET active = false, seq = $2 WHERE name = $1`, [e.data.name.toLowerCase(), ctx.seq]);
        await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1`, [e.data.name.toLowerCase()]);
        break;
      case 'AppExpiryReverted':
        // A reorganisation undid the expiry: routed again (the scheduler places it again, and its
        // instances come back with InstanceStarted). Was ignored: the app stayed unrouted for good.
        await em.query(`UPDATE ${APPS_TABLE} SET active = true, seq = $3 WHERE name = $1 AND spec_hash = $2`,
          [e.data.name.toLowerCase(), e.data.hash, ctx.seq]);
        break;
      case 'AppRegistrationReverted': {
        // A reorganisation undid a registration or update (its payment left the chain). Was ignored:
        // a reverted first registration stayed routed, a reverted update kept its new ports.
        const r = e.data.restored;
        if (r) {
          await this.upsertApp(em, r.name, r.spec, r.hash, r.active, ctx.seq);
          if (!r.active) await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1`, [r.name.toLowerCase()]);
        } else {
          // A first registration undone: the app never existed, as after an expiry.
          await em.query(`UPDATE ${APPS_TABLE} SET active = false, seq = $2 WHERE name = $1`, [e.data.name.toLowerCase(), ctx.seq]);
          await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1`, [e.data.name.toLowerCase()]);
        }
        break;
      }
      case 'InstanceStarted':
        await em.query(`INSERT INTO ${INSTANCES_TABLE} (app, node_id, ip, ports, running, seq) VALUES ($1, $2, $3, $4, true, $5)
          ON CONFLICT (app, node_id) DO UPDATE SET ip = EXCLUDED.ip, ports = EXCLUDED.ports, running = true, seq = EXCLUDED.seq`,
          [e.data.app.toLowerCase(), e.data.nodeId, e.data.ip, e.data.ports, ctx.seq]);
        break;
      case 'InstanceFailed':
      case 'InstanceStopped':
        await em.query(`UPDATE ${INSTANCES_TABLE} SET running = false, seq = $3 WHERE app = $1 AND node_id = $2`,
          [e.data.app.toLowerCase(), e.data.nodeId, ctx.seq]);
        break;
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1 AND node_id = $2`, [e.data.app.toLowerCase(), e.data.nodeId]);
        break;
      default:
        return;
    }
    this.dirty = true;
  }

  private async upsertApp(em: EntityManager, name: string, spec: Record<string, unknown>, hash: string, active: boolean, seq: number) {
    await em.query(`INSERT INTO ${APPS_TABLE} (name, ports, spec_hash, seq, active) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (name) DO UPDATE SET ports = EXCLUDED.ports, spec_hash = EXCLUDED.spec_hash, seq = EXCLUDED.seq, active = EXCLUDED.active`,
      [name.toLowerCase(), appPorts(spec), hash, seq, active]);
  }

  /** True once per batch of changes: resets the flag. */
  takeDirty(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${APPS_TABLE}, ${INSTANCES_TABLE}`);
  }
}
