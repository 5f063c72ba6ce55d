import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { DATABASE_SCHEMA } from '@fluxplane/service-kit';
import { appKey } from '../domain/naming';
import { ChangedKeys, TableProjection } from './table-projection';

/**
 * The current term of every `g:` component: one row per (app, component) with the highest term of
 * its `MasterElected` events (`evt.master.>`), its master and lease length. A lower term arriving
 * late is ignored. Terms of every app are kept, not only of apps placed here: an election may be
 * read before this node's own placement.
 */
@Injectable()
export class MasterTermsProjection extends TableProjection implements Projection {
  readonly name = 'master-terms';
  readonly subjects = [Subjects.all.masters];
  readonly version = 1;
  /** `app/component` keys whose term changed since the last `takeChanges`, read after the commit. */
  private readonly changed = new ChangedKeys();

  constructor(@Inject(DATABASE_SCHEMA) schema: string) {
    super(
      schema,
      'master_terms',
      `app_key text NOT NULL,
        component_key text NOT NULL,
        app text NOT NULL,
        component text NOT NULL,
        node_id text NOT NULL,
        term bigint NOT NULL,
        lease_ms integer NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (app_key, component_key)`,
    );
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    if (e.type !== 'MasterElected') return;
    const d = e.data;
    const rows: unknown[] = await em.query(
      `INSERT INTO ${this.table} (app_key, component_key, app, component, node_id, term, lease_ms, seq) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (app_key, component_key) DO UPDATE SET app = EXCLUDED.app, component = EXCLUDED.component, node_id = EXCLUDED.node_id,
         term = EXCLUDED.term, lease_ms = EXCLUDED.lease_ms, seq = EXCLUDED.seq
       WHERE ${this.table}.term < EXCLUDED.term
       RETURNING app_key`,
      [appKey(d.app), d.component.toLowerCase(), d.app, d.component, d.nodeId, d.term, d.leaseMs, ctx.seq],
    );
    if (rows.length > 0) this.changed.add(`${appKey(d.app)}/${d.component.toLowerCase()}`);
  }

  /** Keys (`app/component`, lowered) whose term changed since the last call. */
  takeChanges(): Set<string> {
    return this.changed.take();
  }
}
