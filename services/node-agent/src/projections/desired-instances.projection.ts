import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { DATABASE_SCHEMA } from '@fluxplane/service-kit';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { appKey } from '../domain/naming';

/**
 * The instances the scheduler placed on THIS node: one row per app, `desired` while scheduled.
 * Unscheduled instances stay as `desired = false` rows so the agent still knows to remove their
 * containers and report them stopped, after a restart too. Placements of other nodes are read
 * (they share the placement subjects) and ignored.
 */
@Injectable()
export class DesiredInstancesProjection implements Projection {
  readonly name = 'desired-instances';
  readonly subjects = [Subjects.all.placements];
  /** Set by `apply` when this node's rows changed; read after the commit to wake the reconciler. */
  private changed = false;

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(DATABASE_SCHEMA) private readonly schema: string,
  ) {}

  get table(): string {
    return `"${this.schema}".desired_instances`;
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      app_key text PRIMARY KEY,
      app text NOT NULL,
      desired boolean NOT NULL,
      spec_hash text,
      components jsonb,
      reason text NOT NULL,
      seq bigint NOT NULL)`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    switch (e.type) {
      case 'InstanceScheduled':
        if (e.data.nodeId !== this.config.NODE_ID) return;
        await em.query(
          `INSERT INTO ${this.table} (app_key, app, desired, spec_hash, components, reason, seq) VALUES ($1,$2,true,$3,$4,$5,$6)
           ON CONFLICT (app_key) DO UPDATE SET app = EXCLUDED.app, desired = true, spec_hash = EXCLUDED.spec_hash,
             components = EXCLUDED.components, reason = EXCLUDED.reason, seq = EXCLUDED.seq`,
          [appKey(e.data.app), e.data.app, e.data.specHash, JSON.stringify(e.data.components), e.data.reason, ctx.seq],
        );
        this.changed = true;
        break;
      case 'InstanceUnscheduled':
        if (e.data.nodeId !== this.config.NODE_ID) return;
        // Upsert: even without a row (a lost read model), containers of the app may still run here.
        await em.query(
          `INSERT INTO ${this.table} (app_key, app, desired, reason, seq) VALUES ($1,$2,false,$3,$4)
           ON CONFLICT (app_key) DO UPDATE SET desired = false, reason = EXCLUDED.reason, seq = EXCLUDED.seq`,
          [appKey(e.data.app), e.data.app, e.data.reason, ctx.seq],
        );
        this.changed = true;
        break;
      default:
        break;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${this.table}`);
  }

  /** Whether this node's rows changed since the last call. */
  takeChange(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }
}
