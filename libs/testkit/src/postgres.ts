import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  dataSource(): Promise<DataSource>;
  drop(): Promise<void>;
}

/** A throwaway database on the real Postgres server, dropped at the end of the test file. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `fp_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const sources: DataSource[] = [];
  return {
    url: url.toString(),
    name,
    async dataSource() {
      const ds = new DataSource({ type: 'postgres', url: url.toString(), entities: [], synchronize: false, logging: false });
      await ds.initialize();
      sources.push(ds);
      return ds;
    },
    async drop() {
      for (const ds of sources) if (ds.isInitialized) await ds.destroy();
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
