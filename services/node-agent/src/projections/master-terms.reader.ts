import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Term } from '../domain/master-lease';
import { MasterTermsProjection } from './master-terms.projection';

export interface ComponentTerm extends Term {
  app: string;
  component: string;
}

/** Reads the current term of `g:` components for the fencing keeper. */
@Injectable()
export class MasterTermsReader {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    private readonly projection: MasterTermsProjection,
  ) {}

  /** The current term of each of these apps' g: components (app keys). */
  async terms(appKeys: readonly string[]): Promise<ComponentTerm[]> {
    if (appKeys.length === 0) return [];
    const rows: Array<{ app: string; component: string; node_id: string; term: string; lease_ms: number }> = await this.db.query(
      `SELECT app, component, node_id, term, lease_ms FROM ${this.projection.table} WHERE app_key = ANY($1) ORDER BY app_key, component_key`,
      [appKeys],
    );
    return rows.map((r) => ({ app: r.app, component: r.component, nodeId: r.node_id, term: Number(r.term), leaseMs: r.lease_ms }));
  }
}
