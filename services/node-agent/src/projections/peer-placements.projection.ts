import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Subjects, type DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { DATABASE_SCHEMA } from '@fluxplane/service-kit';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { appKey } from '../domain/naming';
import { ChangedKeys, TableProjection } from './table-projection';

/**
 * Where the OTHER instances of every app are: one row per (app, node) placed on another node, from
 * InstanceScheduled / InstanceUnscheduled of the other nodes. Data sync shares an app's folders with
 * exactly these nodes. Placements of every app are kept (not just of apps held here), because
 * another node's placement may come before this node's own.
 */
@Injectable()
export class PeerPlacementsProjection extends TableProjection implements Projection {
  readonly name = 'peer-placements';
  readonly subjects = [Subjects.all.placements];
  readonly version = 1;
  /** App keys whose peers changed since the last `takeChanges`, read after the commit. */
  private readonly changed = new ChangedKeys();

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(DATABASE_SCHEMA) schema: string,
  ) {
    super(
      schema,
      'peer_placements',
      `app_key text NOT NULL,
        node_id text NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (app_key, node_id)`,
    );
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    if (e.type !== 'InstanceScheduled' && e.type !== 'InstanceUnscheduled') return;
    if (e.data.nodeId === this.config.NODE_ID) return;
    const key = appKey(e.data.app);
    if (e.type === 'InstanceScheduled') {
      await em.query(
        `INSERT INTO ${this.table} (app_key, node_id, seq) VALUES ($1,$2,$3) ON CONFLICT (app_key, node_id) DO UPDATE SET seq = EXCLUDED.seq`,
        [key, e.data.nodeId, ctx.seq],
      );
    } else {
      await em.query(`DELETE FROM ${this.table} WHERE app_key = $1 AND node_id = $2`, [key, e.data.nodeId]);
    }
    this.changed.add(key);
  }

  /** App keys whose peers changed since the last call. */
  takeChanges(): Set<string> {
    return this.changed.take();
  }
}
