import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppRuntime, Tier } from '@fluxplane/flux-spec';
import type { AppView, NodeUsage, NodeView, Setback, StatusReport } from '../domain';
import { T } from './tables';

/** Reads the scheduler's projection into the shapes the pure domain takes. */
@Injectable()
export class SchedulerStateReader {
  constructor(private readonly db: DataSource) {}

  async nodes(): Promise<NodeView[]> {
    const rows: Array<{ node_id: string; ip: string | null; tier: Tier | null; registered: boolean; expired: boolean; benchmark_passed: boolean; up: boolean }> =
      await this.db.query(`SELECT node_id, ip, tier, registered, expired, benchmark_passed, up FROM ${T.nodes} ORDER BY node_id`);
    return rows.map((r) => ({
      nodeId: r.node_id, ip: r.ip ?? '', tier: r.tier ?? 'CUMULUS',
      // A row without a NodeRegistered (only a benchmark or a heartbeat seen) is not a node yet.
      registered: r.registered && r.tier !== null && r.ip !== null, expired: r.expired, benchmarkPassed: r.benchmark_passed, up: r.up,
    }));
  }

  async app(key: string): Promise<AppView | null> {
    const rows: Array<{ name: string; hash: string; runtime: AppRuntime; expired: boolean }> =
      await this.db.query(`SELECT name, hash, runtime, expired FROM ${T.apps} WHERE key = $1`, [key]);
    return rows[0] ? { name: rows[0].name, hash: rows[0].hash, runtime: rows[0].runtime, expired: rows[0].expired } : null;
  }

  /** The app's name as registered, or as its placements carry it when the app row is missing. */
  async displayName(key: string): Promise<string | undefined> {
    const rows: Array<{ name: string }> = await this.db.query(
      `SELECT name FROM ${T.apps} WHERE key = $1 UNION ALL SELECT app_name FROM ${T.placements} WHERE app_key = $1 LIMIT 1`, [key]);
    return rows[0]?.name;
  }

  /** Placements as the projection has them (may trail the placement stream; used for the cheap first look). */
  async placementState(key: string): Promise<Map<string, { specHash: string; scheduledSeq: number }>> {
    const rows: Array<{ node_id: string; spec_hash: string; scheduled_seq: string }> =
      await this.db.query(`SELECT node_id, spec_hash, scheduled_seq FROM ${T.placements} WHERE app_key = $1`, [key]);
    return new Map(rows.map((r) => [r.node_id, { specHash: r.spec_hash, scheduledSeq: Number(r.scheduled_seq) }]));
  }

  async statusReports(key: string): Promise<StatusReport[]> {
    const rows: Array<{ node_id: string; status: StatusReport['status']; spec_hash: string | null; seq: string }> =
      await this.db.query(`SELECT node_id, status, spec_hash, seq FROM ${T.instanceReports} WHERE app_key = $1`, [key]);
    return rows.map((r) => ({ nodeId: r.node_id, status: r.status, specHash: r.spec_hash, seq: Number(r.seq) }));
  }

  async setbacks(key: string): Promise<Setback[]> {
    const rows: Array<{ node_id: string; spec_hash: string }> = await this.db.query(`SELECT node_id, spec_hash FROM ${T.setbacks} WHERE app_key = $1`, [key]);
    return rows.map((r) => ({ nodeId: r.node_id, specHash: r.spec_hash }));
  }

  /** Resources and instance counts that every OTHER app holds, per node. */
  async usageExcluding(key: string): Promise<Map<string, NodeUsage>> {
    const rows: Array<{ node_id: string; cpu: number; ram: number; hdd: number; instances: number }> = await this.db.query(
      `SELECT node_id, sum(cpu)::int AS cpu, sum(ram)::int AS ram, sum(hdd)::int AS hdd, count(*)::int AS instances
       FROM ${T.placements} WHERE app_key <> $1 GROUP BY node_id`, [key]);
    return new Map(rows.map((r) => [r.node_id, { cpu: r.cpu, ram: r.ram, hdd: r.hdd, instances: r.instances }]));
  }

  /** Every app that may need a decision: known apps, and apps that still hold placements. */
  async appKeys(): Promise<string[]> {
    const rows: Array<{ key: string }> = await this.db.query(
      `SELECT key FROM ${T.apps} WHERE NOT expired UNION SELECT app_key FROM ${T.placements} ORDER BY 1`);
    return rows.map((r) => r.key);
  }

  /** Nodes counted up whose agent has reported an instance: an agent runs there, so its silence means down. */
  async upNodesWithAgents(): Promise<string[]> {
    const rows: Array<{ node_id: string }> = await this.db.query(
      `SELECT n.node_id FROM ${T.nodes} n WHERE n.up AND EXISTS (SELECT 1 FROM ${T.instanceReports} r WHERE r.node_id = n.node_id) ORDER BY 1`);
    return rows.map((r) => r.node_id);
  }

  /**
   * Running instances on nodes that are up, for the locations query; with `stopped`, also the
   * placed instances their owner stopped (a stop that unschedules also removes the placement).
   */
  async running(key?: string, stopped = false): Promise<Array<{ name: string; hash: string; ip: string; nodeId: string; runningSince: Date }>> {
    const rows: Array<{ name: string; hash: string; ip: string; node_id: string; at: Date }> = await this.db.query(
      `SELECT p.app_name AS name, coalesce(r.spec_hash, p.spec_hash) AS hash, n.ip, p.node_id, r.at
       FROM ${T.placements} p
       JOIN ${T.instanceReports} r ON r.app_key = p.app_key AND r.node_id = p.node_id AND (r.status = 'running' OR ($2 AND r.status = 'stopped'))
       JOIN ${T.nodes} n ON n.node_id = p.node_id AND n.up AND NOT n.expired AND n.ip IS NOT NULL
       LEFT JOIN ${T.apps} a ON a.key = p.app_key
       WHERE NOT coalesce(a.expired, false) AND ($1::text IS NULL OR p.app_key = $1)
       ORDER BY p.app_key, n.ip, p.node_id`, [key ?? null, stopped]);
    return rows.map((r) => ({ name: r.name, hash: r.hash, ip: r.ip, nodeId: r.node_id, runningSince: new Date(r.at) }));
  }
}
