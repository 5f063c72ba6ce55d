import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface NetworkSummary {
  nodes: { total: number; up: number; byTier: Record<'CUMULUS' | 'NIMBUS' | 'STRATUS', number> };
  apps: { total: number };
  instances: { running: number };
}

@Injectable()
export class NetworkStatsService {
  constructor(private readonly db: DataSource) {}

  async summary(): Promise<NetworkSummary> {
    const [nodeRows, appRows, instRows] = await Promise.all([
      this.db.query(`SELECT tier, count(*)::int AS n, count(*) FILTER (WHERE up)::int AS up FROM nodes WHERE NOT expired GROUP BY tier`),
      this.db.query(`SELECT count(*)::int AS n FROM apps WHERE active`),
      this.db.query(`SELECT count(*)::int AS n FROM instances WHERE running`),
    ]);
    const byTier = { CUMULUS: 0, NIMBUS: 0, STRATUS: 0 };
    let total = 0;
    let up = 0;
    for (const r of nodeRows as Array<{ tier: keyof typeof byTier; n: number; up: number }>) {
      byTier[r.tier] = r.n;
      total += r.n;
      up += r.up;
    }
    return { nodes: { total, up, byTier }, apps: { total: appRows[0].n }, instances: { running: instRows[0].n } };
  }
}
