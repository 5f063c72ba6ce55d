import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NetworkFigures } from '@fluxplane/contracts';
import { setupExclusively } from '@fluxplane/eventstore';
import type { ActivityPoint, StoredSample } from '../domain';

/**
 * The samples table: one row per sample instant with the network's figures then. Not a projection's
 * table: a sample records what the projection held at a moment, which no replay can recreate, so a
 * rebuild of the projection keeps it. Written by every replica's sampler, stored once per instant.
 */
@Injectable()
export class SampleStore implements OnModuleInit {
  constructor(private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    await setupExclusively(this.db, 'stats.samples', (em) => em.query(`CREATE TABLE IF NOT EXISTS samples (at bigint PRIMARY KEY, interval_ms int NOT NULL, figures jsonb NOT NULL)`));
  }

  async lastAt(): Promise<number | null> {
    const [row] = await this.db.query(`SELECT max(at)::float8 AS at FROM samples`) as Array<{ at: number | null }>;
    return row?.at ?? null;
  }

  /** Stores the figures at each instant; an instant already stored (by another replica) is kept. Answers how many were new. */
  async insert(instants: number[], intervalMs: number, figures: NetworkFigures): Promise<number> {
    if (instants.length === 0) return 0;
    const rows = await this.db.query(`INSERT INTO samples (at, interval_ms, figures) SELECT unnest($1::bigint[]), $2, $3::jsonb
      ON CONFLICT (at) DO NOTHING RETURNING at`, [instants, intervalMs, JSON.stringify(figures)]) as unknown[];
    return rows.length;
  }

  /** Samples taken in `[from, to]`, oldest first. */
  async range(from: number, to: number): Promise<StoredSample[]> {
    const rows = await this.db.query(`SELECT at::float8 AS at, interval_ms, figures FROM samples WHERE at BETWEEN $1 AND $2 ORDER BY at`, [from, to]) as Array<{
      at: number; interval_ms: number; figures: NetworkFigures;
    }>;
    return rows.map((r) => ({ at: r.at, intervalMs: r.interval_ms, figures: r.figures }));
  }

  /** Nodes per tier of the samples in `[from, to]`, oldest first (without reading the rest of each sample). */
  async tiers(from: number, to: number): Promise<Array<{ at: number; byTier: NetworkFigures['nodes']['byTier'] }>> {
    const rows = await this.db.query(`SELECT at::float8 AS at, figures->'nodes'->'byTier' AS by_tier FROM samples WHERE at BETWEEN $1 AND $2 ORDER BY at`, [from, to]) as Array<{
      at: number; by_tier: NetworkFigures['nodes']['byTier'];
    }>;
    return rows.map((r) => ({ at: r.at, byTier: r.by_tier }));
  }

  /** When each kept sample was taken, oldest first, a page of them. */
  async times(page: { offset?: number; limit?: number }): Promise<number[]> {
    const rows = await this.db.query(`SELECT at::float8 AS at FROM samples ORDER BY at OFFSET $1 LIMIT $2`, [page.offset ?? 0, page.limit ?? null]) as Array<{ at: number }>;
    return rows.map((r) => r.at);
  }

  /** Activity of the network projection in `[from, to)`, counted per instant and kind. */
  async activity(from: number, to: number): Promise<ActivityPoint[]> {
    const rows = await this.db.query(`SELECT at::float8 AS at, kind, count(*)::int AS n FROM activity WHERE at >= $1 AND at < $2 GROUP BY at, kind`, [from, to]) as ActivityPoint[];
    return rows;
  }

  /** Drops samples and activity older than `cutoff`; answers how many of each. */
  async prune(cutoff: number): Promise<{ samples: number; activity: number }> {
    const samples = await this.db.query(`DELETE FROM samples WHERE at < $1`, [cutoff]) as [unknown, number];
    const activity = await this.db.query(`DELETE FROM activity WHERE at < $1`, [cutoff]) as [unknown, number];
    return { samples: samples[1], activity: activity[1] };
  }
}
