import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { DATABASE_SCHEMA } from '@fluxplane/service-kit';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { appKey } from '../domain/naming';
import { TableProjection } from './table-projection';

/**
 * The instances the scheduler placed on THIS node: one row per app, `desired` while scheduled.
 * Unscheduled instances stay as `desired = false` rows so the agent still knows to remove their
 * containers and report them stopped, after a restart too. Placements of other nodes are read
 * (they share the placement subjects) and ignored.
 */
@Injectable()
export class DesiredInstancesProjection extends TableProjection implements Projection {
  readonly name = 'desired-instances';
  /** Its own instance reports too: an owner's stop holds the instance until its next start. */
  readonly subjects = [Subjects.all.placements, Subjects.all.instances, Subjects.all.routes];
  /** v2: components carry their parsed `data` (InstanceScheduled v2). v3: `held`, `failed_spec`. v4: `routed_spec` (InstanceRouted / InstanceDrained). */
  readonly version = 4;
  /** Set by `apply` when this node's rows changed; read after the commit to wake the reconciler. */
  private changed = false;

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(DATABASE_SCHEMA) schema: string,
  ) {
    super(
      schema,
      'desired_instances',
      `app_key text PRIMARY KEY,
        app text NOT NULL,
        desired boolean NOT NULL,
        spec_hash text,
        components jsonb,
        reason text NOT NULL,
        held boolean NOT NULL DEFAULT false,
        failed_spec text,
        routed_spec text,
        seq bigint NOT NULL`,
    );
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    switch (e.type) {
      case 'InstanceScheduled':
        if (e.data.nodeId !== this.config.NODE_ID) return;
        await em.query(
          `INSERT INTO ${this.table} (app_key, app, desired, spec_hash, components, reason, seq) VALUES ($1,$2,true,$3,$4,$5,$6)
           ON CONFLICT (app_key) DO UPDATE SET app = EXCLUDED.app, desired = true, spec_hash = EXCLUDED.spec_hash,
             components = EXCLUDED.components, reason = EXCLUDED.reason, seq = EXCLUDED.seq,
             held = ${this.table}.held AND ${this.table}.desired`,
          [appKey(e.data.app), e.data.app, e.data.specHash, JSON.stringify(e.data.components), e.data.reason, ctx.seq],
        );
        this.changed = true;
        break;
      case 'InstanceFailed':
        // A crash loop given up on stays given up after an agent restart: its containers are not
        // restarted again for that spec (the scheduler moves the instance).
        if (e.data.nodeId !== this.config.NODE_ID) return;
        await em.query(`UPDATE ${this.table} SET failed_spec = $2 WHERE app_key = $1`, [appKey(e.data.app), e.data.specHash]);
        break;
      case 'InstanceStopped':
      case 'InstanceStarted': {
        if (e.data.nodeId !== this.config.NODE_ID) return;
        // Held from an owner's stop until the instance is reported started again.
        const held = e.type === 'InstanceStopped' && e.data.byOwner === true;
        const [{ n }] = await em.query(`WITH u AS (UPDATE ${this.table} SET held = $2 WHERE app_key = $1 AND desired AND held <> $2 RETURNING 1)
          SELECT count(*)::int AS n FROM u`, [appKey(e.data.app), held]);
        if (n > 0) this.changed = true;
        break;
      }
      case 'InstanceUnscheduled':
        if (e.data.nodeId !== this.config.NODE_ID) return;
        // Upsert: even without a row (a lost read model), containers of the app may still run here.
        await em.query(
          `INSERT INTO ${this.table} (app_key, app, desired, reason, seq) VALUES ($1,$2,false,$3,$4)
           ON CONFLICT (app_key) DO UPDATE SET desired = false, held = false, reason = EXCLUDED.reason, seq = EXCLUDED.seq`,
          [appKey(e.data.app), e.data.app, e.data.reason, ctx.seq],
        );
        this.changed = true;
        break;
      case 'InstanceRouted':
      case 'InstanceDrained': {
        // HAProxy serves this node's instance with that spec / no longer sends it anything: a stop
        // or replacement of a routed instance waits for the drain (NodeReconciler, DRAIN_WAIT_MS).
        if (e.data.nodeId !== this.config.NODE_ID) return;
        const rows: unknown[] = e.type === 'InstanceRouted'
          ? await em.query(`UPDATE ${this.table} SET routed_spec = $2 WHERE app_key = $1 RETURNING 1`, [appKey(e.data.app), e.data.specHash])
          : await em.query(`UPDATE ${this.table} SET routed_spec = NULL WHERE app_key = $1 AND routed_spec = $2 RETURNING 1`, [appKey(e.data.app), e.data.specHash]);
        if (rows.length > 0) this.changed = true;
        break;
      }
      default:
        break;
    }
  }

  /** Whether this node's rows changed since the last call. */
  takeChange(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }
}
