import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { setupExclusively } from '@fluxplane/eventstore';

export const DATABASE_SCHEMA = Symbol('fluxplane.database-schema');

/** One Postgres schema per service; the database itself is shared. */
export async function openDatabase(url: string, schema: string, applicationName: string, tls?: { caFile?: string }): Promise<DataSource> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name '${schema}'`);
  const ds = new DataSource({
    type: 'postgres',
    url,
    schema,
    entities: [],
    synchronize: false,
    logging: false,
    applicationName,
    // TLS verifying the server against the deployment's CA (and its name against the URL's host).
    ...(tls?.caFile ? { ssl: { ca: readFileSync(tls.caFile, 'utf8'), rejectUnauthorized: true } } : {}),
    // Every connection resolves unqualified table names in the service's own schema.
    extra: { max: 10, connectionTimeoutMillis: 5000, options: `-c search_path=${schema}` },
  });
  await ds.initialize();
  await setupExclusively(ds, schema, (em) => em.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
  return ds;
}
