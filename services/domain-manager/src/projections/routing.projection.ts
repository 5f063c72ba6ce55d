import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { customDomains } from '@fluxplane/flux-spec';
import type { CustomDomain } from '../domain/routing-state';
import { APPS_TABLE, INSTANCES_TABLE, MASTERS_TABLE } from '../schema';

/**
 * Routable state: active apps with their public ports and `g:` components, instances with where they
 * run, and the master of the highest term seen per `g:` component. Only
 * facts are stored; what is routable is decided by `desiredRoutes`, so a change of policy needs
 * no rebuild.
 */
/** The spec's runtime view, as AppRegistered/AppUpdated carry it. */
type AppRuntime = Extract<DomainEvent, { type: 'AppRegistered' }>['data']['runtime'];

@Injectable()
export class RoutingProjection implements Projection {
  readonly name = 'routing';
  // Placements too: an InstanceUnscheduled (node down, surplus, move) takes the server out at once.
  // Masters: a primary/standby app is routed only to the master of its highest term.
  readonly subjects = [Subjects.all.apps, Subjects.all.instances, Subjects.all.placements, Subjects.all.masters];
  /** 2: `apps.primary_standby` and the `masters` table. 3: `apps.domains` (custom domains, with the seq of their first claim). 4: placed instances (InstanceScheduled) kept too. 5: `instances.spec_hash` and `scheduled_hash` (rolling updates drain the instance being replaced). */
  readonly version = 5;
  /** Set when an applied event changed routable state; the applier takes it after the commit. */
  private dirty = false;

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${APPS_TABLE} (
      name text PRIMARY KEY,
      ports int[] NOT NULL,
      spec_hash text NOT NULL,
      primary_standby text[] NOT NULL DEFAULT '{}',
      domains jsonb NOT NULL DEFAULT '[]',
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
    await em.query(`ALTER TABLE ${INSTANCES_TABLE} ADD COLUMN IF NOT EXISTS spec_hash text, ADD COLUMN IF NOT EXISTS scheduled_hash text`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${MASTERS_TABLE} (
      app text NOT NULL,
      component text NOT NULL,
      node_id text NOT NULL,
      term int NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (app, component))`);
  }

  async drop(em: EntityManager): Promise<void> {
    await em.query(`DROP TABLE IF EXISTS ${APPS_TABLE}, ${INSTANCES_TABLE}, ${MASTERS_TABLE}`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    switch (e.type) {
      case 'AppRegistered':
      case 'AppUpdated':
        await this.upsertApp(em, e.data.name, e.data.runtime, e.data.hash, true, ctx.seq);
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
          await this.upsertApp(em, r.name, r.runtime, r.hash, r.active, ctx.seq);
          if (!r.active) await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1`, [r.name.toLowerCase()]);
        } else {
          // A first registration undone: the app never existed, as after an expiry.
          await em.query(`UPDATE ${APPS_TABLE} SET active = false, seq = $2 WHERE name = $1`, [e.data.name.toLowerCase(), ctx.seq]);
          await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1`, [e.data.name.toLowerCase()]);
        }
        break;
      }
      case 'InstanceScheduled': {
        // A placed instance is known (not running) before it starts: /appips lists a g: app's standbys,
        // which keep their component stopped and never report InstanceStarted. Placed again with
        // another spec while it runs (a rolling update), it leaves the routes: drained before the
        // agent replaces it.
        const rows: unknown[] = await em.query(`INSERT INTO ${INSTANCES_TABLE} (app, node_id, ip, ports, running, seq, scheduled_hash) VALUES ($1, $2, $3, '{}', false, $4, $5)
          ON CONFLICT (app, node_id) DO UPDATE SET scheduled_hash = EXCLUDED.scheduled_hash
          RETURNING running, spec_hash`, [e.data.app.toLowerCase(), e.data.nodeId, e.data.nodeIp, ctx.seq, e.data.specHash]);
        const row = rows[0] as { running: boolean; spec_hash: string | null } | undefined;
        if (!row?.running || row.spec_hash === e.data.specHash) return;
        break;
      }
      case 'InstanceStarted':
        await em.query(`INSERT INTO ${INSTANCES_TABLE} (app, node_id, ip, ports, running, seq, spec_hash) VALUES ($1, $2, $3, $4, true, $5, $6)
          ON CONFLICT (app, node_id) DO UPDATE SET ip = EXCLUDED.ip, ports = EXCLUDED.ports, running = true, seq = EXCLUDED.seq, spec_hash = EXCLUDED.spec_hash`,
          [e.data.app.toLowerCase(), e.data.nodeId, e.data.ip, e.data.ports, ctx.seq, e.data.specHash]);
        break;
      case 'InstanceFailed':
      case 'InstanceStopped':
        await em.query(`UPDATE ${INSTANCES_TABLE} SET running = false, seq = $3 WHERE app = $1 AND node_id = $2`,
          [e.data.app.toLowerCase(), e.data.nodeId, ctx.seq]);
        break;
      case 'MasterElected': {
        // Terms only grow; one arriving after a higher one (a replay of an older stream, a second
        // elector's late append) changes nothing.
        const { rowCount } = await this.masterUpsert(em, e.data.app, e.data.component, e.data.nodeId, e.data.term, ctx.seq);
        if (rowCount === 0) return;
        break;
      }
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM ${INSTANCES_TABLE} WHERE app = $1 AND node_id = $2`, [e.data.app.toLowerCase(), e.data.nodeId]);
        break;
      default:
        return;
    }
    this.dirty = true;
  }

  /** From the spec's runtime view: public ports in FDM's order, and the `g:` components in spec order. */
  private async upsertApp(em: EntityManager, name: string, runtime: AppRuntime, hash: string, active: boolean, seq: number) {
    const primaryStandby = runtime.components.filter((c) => c.data?.syncMode === 'g').map((c) => c.name);
    const rows: Array<{ domains: CustomDomain[]; active: boolean }> = await em.query(`SELECT domains, active FROM ${APPS_TABLE} WHERE name = $1`, [name.toLowerCase()]);
    // A domain the app already claimed (while active) keeps the age of its first claim.
    const before = new Map((rows[0]?.active ? rows[0].domains : []).map((d) => [d.domain, Number(d.since)]));
    const domains: CustomDomain[] = customDomains(runtime).map((c) => ({ ...c, since: before.get(c.domain) ?? seq }));
    await em.query(`INSERT INTO ${APPS_TABLE} (name, ports, spec_hash, seq, active, primary_standby, domains) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (name) DO UPDATE SET ports = EXCLUDED.ports, spec_hash = EXCLUDED.spec_hash, seq = EXCLUDED.seq, active = EXCLUDED.active,
        primary_standby = EXCLUDED.primary_standby, domains = EXCLUDED.domains`,
      [name.toLowerCase(), runtime.publicPorts, hash, seq, active, primaryStandby, JSON.stringify(domains)]);
  }

  /** Keeps the highest term per app and component; `rowCount` 0 when `term` is not higher. */
  private async masterUpsert(em: EntityManager, app: string, component: string, nodeId: string, term: number, seq: number): Promise<{ rowCount: number }> {
    const rows: unknown[] = await em.query(`INSERT INTO ${MASTERS_TABLE} (app, component, node_id, term, seq) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (app, component) DO UPDATE SET node_id = EXCLUDED.node_id, term = EXCLUDED.term, seq = EXCLUDED.seq
        WHERE ${MASTERS_TABLE}.term < EXCLUDED.term
      RETURNING term`, [app.toLowerCase(), component, nodeId, term, seq]);
    return { rowCount: rows.length };
  }

  private readonly listeners: Array<(seq: number) => void> = [];

  /** Called after each commit that changed routable state (the route and the DNS appliers listen). */
  onChange(listener: (seq: number) => void): void {
    this.listeners.push(listener);
  }

  /** The runner's `afterCommit` hook: tells every listener when the commit changed routable state. */
  committed(seq: number): void {
    if (this.takeDirty()) for (const l of this.listeners) l(seq);
  }

  /** True once per batch of changes: resets the flag. */
  takeDirty(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${APPS_TABLE}, ${INSTANCES_TABLE}, ${MASTERS_TABLE}`);
  }
}
