import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeerPlacementsProjection } from './peer-placements.projection';

/** Reads the other nodes holding each app (for data sync). */
@Injectable()
export class PeerPlacementsReader {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    private readonly projection: PeerPlacementsProjection,
  ) {}

  /** App key → other nodes holding an instance, for the given apps (all apps when omitted). */
  async peers(appKeys?: readonly string[]): Promise<Map<string, string[]>> {
    const rows: Array<{ app_key: string; node_id: string }> = appKeys
      ? await this.db.query(`SELECT app_key, node_id FROM ${this.projection.table} WHERE app_key = ANY($1) ORDER BY app_key, node_id`, [appKeys])
      : await this.db.query(`SELECT app_key, node_id FROM ${this.projection.table} ORDER BY app_key, node_id`);
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.app_key, [...(out.get(r.app_key) ?? []), r.node_id]);
    return out;
  }
}
