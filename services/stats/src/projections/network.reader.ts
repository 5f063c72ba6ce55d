import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NetworkSummary, NodeStat } from '@fluxplane/contracts';
import type { Tier } from '@fluxplane/flux-spec';
import type { InstanceState, NetworkState } from '../domain';

/** The reply of `qry.stats.summary` (its schema is the contract's). */
export type { NetworkSummary };

interface NodeDbRow {
  node_id: string; ip: string; tier: Tier; up: boolean; bench_status: string; bench_version: string | null; flux_version: string | null;
  continent: string | null; country: string | null; region: string | null;
}

/** Reads the network projection's tables for the rest of the service. */
@Injectable()
export class NetworkReader {
  constructor(private readonly db: DataSource) {}

  async summary(): Promise<NetworkSummary> {
    const [nodeRows, appRows, instRows] = await Promise.all([
      this.db.query(`SELECT tier, count(*)::int AS n, count(*) FILTER (WHERE up)::int AS up FROM nodes WHERE NOT expired GROUP BY tier`),
      this.db.query(`SELECT count(*)::int AS n FROM apps WHERE active`),
      this.db.query(`SELECT count(*)::int AS n FROM instances WHERE state = 'running'`),
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

  /**
   * Everything the figures are counted from, read in one repeatable-read transaction so the nodes,
   * apps and instances are of one moment (the projection may commit in between otherwise).
   */
  async state(): Promise<NetworkState> {
    return this.db.transaction('REPEATABLE READ', async (em) => {
      const nodes = await em.query(`SELECT node_id, tier, up, bench_status, flux_version, country FROM nodes WHERE NOT expired`) as NodeDbRow[];
      const [apps] = await em.query(`SELECT count(*)::int AS n FROM apps WHERE active`) as Array<{ n: number }>;
      const instances = await em.query(`SELECT node_id, state, placed, cpu_tenths, ram_mb, hdd_gb FROM instances`) as Array<{
        node_id: string; state: InstanceState; placed: boolean; cpu_tenths: number; ram_mb: number; hdd_gb: number;
      }>;
      return {
        nodes: nodes.map((n) => ({ nodeId: n.node_id, tier: n.tier, up: n.up, benchStatus: n.bench_status, fluxVersion: n.flux_version, country: n.country })),
        activeApps: apps!.n,
        instances: instances.map((i) => ({ nodeId: i.node_id, state: i.state, placed: i.placed, demand: { cpu: i.cpu_tenths, ram: i.ram_mb, hdd: i.hdd_gb } })),
      };
    });
  }

  /** Confirmed nodes ordered by node id, with their running instances; a page of them. */
  async nodes(page: { offset?: number; limit?: number }): Promise<NodeStat[]> {
    const rows = await this.db.query(`SELECT n.node_id, n.ip, n.tier, n.up, n.bench_status, n.bench_version, n.flux_version, n.continent, n.country, n.region,
        (SELECT count(*)::int FROM instances i WHERE i.node_id = n.node_id AND i.state = 'running') AS running
      FROM nodes n WHERE NOT n.expired ORDER BY n.node_id OFFSET $1 LIMIT $2`, [page.offset ?? 0, page.limit ?? null]) as Array<NodeDbRow & { running: number }>;
    return rows.map((n) => ({
      nodeId: n.node_id,
      ip: n.ip,
      tier: n.tier,
      up: n.up,
      benchmark: { status: n.bench_status, version: n.bench_version, fluxVersion: n.flux_version },
      geolocation: n.continent && n.country ? { continentCode: n.continent, countryCode: n.country, regionName: n.region } : null,
      instances: n.running,
    }));
  }

  /** The activity totals since the stream began, by kind. */
  async activityTotals(): Promise<Record<string, number>> {
    const rows = await this.db.query(`SELECT kind, n::float8 AS n FROM activity_totals`) as Array<{ kind: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }
}
