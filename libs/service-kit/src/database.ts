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

/**
 * An error opening the database that waiting cannot cure: refused credentials or pg_hba (SQLSTATE
 * class 28), a server certificate that does not verify. Refused connections, a server starting up
 * or shutting down, timeouts may pass.
 */
export function permanentDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('28')) return true;
  const text = err instanceof Error ? err.message : String(err);
  return /certificate|self[- ]signed|unable to verify|does not support SSL|invalid schema name/i.test(text);
}

/** A database URL with its password hidden, for logs. */
export function redactedUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
