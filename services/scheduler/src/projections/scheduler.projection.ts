import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';
import type { Projection, ProjectionContext } from '@fluxplane/eventstore';
import { demandOf } from '../domain';
import { T } from './tables';

/** Which apps an event may change the placement decision of. */
export type Change = { kind: 'app'; app: string; cause: Cause } | { kind: 'nodes'; cause: Cause };
export interface Cause { id: string; correlationId?: string }

/**
 * The scheduler's read model: nodes (health and tier), apps (desired spec), placements (what the
 * scheduler decided, with the resources each holds), the latest report of each instance, and the
 * setbacks (a spec hash failed or was stopped on a node) that keep a node from being retried.
 *
 * Changes are announced only after the transaction that applied them committed (`flush`), so a
 * reconcile triggered by them always reads them.
 */
@Injectable()
export class SchedulerProjection implements Projection {
  readonly name = 'scheduler';
  readonly subjects = ['evt.>'];
  private readonly pending = new Map<number, Change>();
  private readonly listeners: Array<(c: Change) => void> = [];

  onChange(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  /** Runner hook: the event at `seq` is committed; tell the listeners. */
  flush(seq: number): void {
    const change = this.pending.get(seq);
    this.pending.delete(seq);
    if (change) for (const l of this.listeners) l(change);
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.nodes} (node_id text PRIMARY KEY, ip text, tier text,
      registered boolean NOT NULL DEFAULT false, expired boolean NOT NULL DEFAULT false,
      benchmark_passed boolean NOT NULL DEFAULT false, up boolean NOT NULL DEFAULT true)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.apps} (key text PRIMARY KEY, name text NOT NULL, hash text NOT NULL,
      spec jsonb NOT NULL, expired boolean NOT NULL DEFAULT false)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.placements} (app_key text NOT NULL, node_id text NOT NULL, app_name text NOT NULL,
      spec_hash text NOT NULL, scheduled_seq bigint NOT NULL, cpu int NOT NULL, ram int NOT NULL, hdd int NOT NULL,
      PRIMARY KEY (app_key, node_id))`);
    await em.query(`CREATE INDEX IF NOT EXISTS placements_node ON ${T.placements} (node_id)`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.instanceReports} (app_key text NOT NULL, node_id text NOT NULL, status text NOT NULL,
      spec_hash text, seq bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (app_key, node_id))`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.setbacks} (app_key text NOT NULL, node_id text NOT NULL, spec_hash text NOT NULL,
      seq bigint NOT NULL, PRIMARY KEY (app_key, node_id, spec_hash))`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void> {
    const change = await this.applyEvent(e, em, ctx.seq);
    if (change) this.pending.set(ctx.seq, change);
  }

  private async applyEvent(e: DomainEvent, em: EntityManager, seq: number): Promise<Change | undefined> {
    const cause = { id: e.id, correlationId: e.correlationId };
    // Node events may arrive in any order across subjects: make sure the row exists, then set fields.
    const node = async (id: string, set: string, values: unknown[]) => {
      await em.query(`INSERT INTO ${T.nodes} (node_id) VALUES ($1) ON CONFLICT (node_id) DO NOTHING`, [id]);
      await em.query(`UPDATE ${T.nodes} SET ${set} WHERE node_id = $1`, [id, ...values]);
    };
    switch (e.type) {
      case 'NodeRegistered':
        await node(e.data.nodeId, 'ip = $2, tier = $3, registered = true, expired = false', [e.data.ip, e.data.tier]);
        return { kind: 'nodes', cause };
      case 'NodeExpired':
        await node(e.data.nodeId, 'expired = true', []);
        return { kind: 'nodes', cause };
      // A reverted registration: the node is not on chain; like an expiry, its placements must move.
      case 'NodeRegistrationReverted':
        await node(e.data.nodeId, 'registered = false, expired = true', []);
        return { kind: 'nodes', cause };
      case 'NodeExpiryReverted':
        await node(e.data.nodeId, 'ip = $2, tier = $3, registered = true, expired = false', [e.data.ip, e.data.tier]);
        return { kind: 'nodes', cause };
      case 'NodeBenchmarked':
        await node(e.data.nodeId, 'benchmark_passed = $2', [e.data.passed]);
        return { kind: 'nodes', cause };
      case 'NodeWentDown':
      case 'NodeCameBack':
        await node(e.data.nodeId, 'up = $2', [e.type === 'NodeCameBack']);
        return { kind: 'nodes', cause };
      case 'AppRegistered':
      case 'AppUpdated':
        await em.query(`INSERT INTO ${T.apps} (key, name, hash, spec, expired) VALUES ($1,$2,$3,$4,false)
          ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, hash = EXCLUDED.hash, spec = EXCLUDED.spec, expired = false`,
          [key(e.data.name), e.data.name, e.data.hash, JSON.stringify(e.data.spec)]);
        return { kind: 'app', app: key(e.data.name), cause };
      case 'AppExpired':
        await em.query(`UPDATE ${T.apps} SET expired = true WHERE key = $1`, [key(e.data.name)]);
        return { kind: 'app', app: key(e.data.name), cause };
      case 'AppExpiryReverted':
        await em.query(`UPDATE ${T.apps} SET expired = false WHERE key = $1 AND hash = $2`, [key(e.data.name), e.data.hash]);
        return { kind: 'app', app: key(e.data.name), cause };
      case 'AppRegistrationReverted': {
        // Back to the registration in force before; a first registration undone is treated as an
        // expired app, so the reconciler unschedules its placements.
        const r = e.data.restored;
        if (r) {
          await em.query(`UPDATE ${T.apps} SET name = $2, hash = $3, spec = $4, expired = $5 WHERE key = $1`,
            [key(r.name), r.name, r.hash, JSON.stringify(r.spec), !r.active]);
        } else {
          await em.query(`UPDATE ${T.apps} SET expired = true WHERE key = $1`, [key(e.data.name)]);
        }
        return { kind: 'app', app: key(e.data.name), cause };
      }
      case 'InstanceScheduled': {
        const d = demandOf(e.data.components);
        await em.query(`INSERT INTO ${T.placements} (app_key, node_id, app_name, spec_hash, scheduled_seq, cpu, ram, hdd) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
          ON CONFLICT (app_key, node_id) DO UPDATE SET app_name = EXCLUDED.app_name, spec_hash = EXCLUDED.spec_hash,
          scheduled_seq = EXCLUDED.scheduled_seq, cpu = EXCLUDED.cpu, ram = EXCLUDED.ram, hdd = EXCLUDED.hdd`,
          [key(e.data.app), e.data.nodeId, e.data.app, e.data.specHash, seq, d.cpu, d.ram, d.hdd]);
        return { kind: 'app', app: key(e.data.app), cause };
      }
      case 'InstanceUnscheduled':
        await em.query(`DELETE FROM ${T.placements} WHERE app_key = $1 AND node_id = $2`, [key(e.data.app), e.data.nodeId]);
        return { kind: 'app', app: key(e.data.app), cause };
      case 'InstanceStarted':
        await this.report(em, e.data.app, e.data.nodeId, 'running', e.data.specHash, seq, e.time);
        return { kind: 'app', app: key(e.data.app), cause };
      case 'InstanceFailed':
        await this.report(em, e.data.app, e.data.nodeId, 'failed', e.data.specHash, seq, e.time);
        await em.query(`INSERT INTO ${T.setbacks} (app_key, node_id, spec_hash, seq) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
          [key(e.data.app), e.data.nodeId, e.data.specHash, seq]);
        return { kind: 'app', app: key(e.data.app), cause };
      case 'InstanceStopped':
        // A node agent stops an instance only to tear down an unschedule; a crashed container is
        // restarted, not reported stopped. So a stop is never a setback: it may even arrive after the
        // app was placed on that node again (node down, then back), and must not undo that placement.
        await this.report(em, e.data.app, e.data.nodeId, 'stopped', null, seq, e.time);
        return { kind: 'app', app: key(e.data.app), cause };
      default:
        return undefined;
    }
  }

  private async report(em: EntityManager, app: string, nodeId: string, status: string, specHash: string | null, seq: number, at: string) {
    await em.query(`INSERT INTO ${T.instanceReports} (app_key, node_id, status, spec_hash, seq, at) VALUES ($1,$2,$3,$4,$5,$6)
      ON CONFLICT (app_key, node_id) DO UPDATE SET status = EXCLUDED.status, spec_hash = EXCLUDED.spec_hash, seq = EXCLUDED.seq, at = EXCLUDED.at`,
      [key(app), nodeId, status, specHash, seq, at]);
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${T.nodes}, ${T.apps}, ${T.placements}, ${T.instanceReports}, ${T.setbacks}`);
    this.pending.clear();
  }
}

/** Apps are unique case-insensitively (and so are their subjects). */
export function key(app: string): string {
  return app.toLowerCase();
}
