import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@fluxplane/testkit';
import { setupExclusively } from '../src';

/**
 * Replicas of a service boot at the same moment and each runs its schema set-up. PostgreSQL's
 * `CREATE … IF NOT EXISTS` is not safe against a concurrent creator (one of them fails with
 * "duplicate key value violates unique constraint"); under the set-up lock every replica's set-up
 * succeeds. Six connections stand for six processes.
 */
describe('schema set-up of replicas starting together', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  const setUp = (ds: DataSource, schema: string) => setupExclusively(ds, schema, async (em) => {
    await em.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${schema}.things (id int PRIMARY KEY)`);
    await em.query(`ALTER TABLE ${schema}.things ADD COLUMN IF NOT EXISTS name text`);
    await em.query(`CREATE INDEX IF NOT EXISTS things_name ON ${schema}.things (name)`);
  });

  beforeAll(async () => {
    db = await createTestDatabase('setuplock');
    for (let i = 0; i < 6; i++) sources.push(await db.dataSource());
  });
  afterAll(() => db?.drop());

  it('six concurrent set-ups of one fresh schema all succeed, round after round', async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled(sources.map((ds) => setUp(ds, `svc_${round}`)));
      expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    }
  });
});
