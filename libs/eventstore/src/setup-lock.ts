import type { DataSource, EntityManager } from 'typeorm';

/**
 * Serialises schema set-up (CREATE … IF NOT EXISTS, ALTER … ADD COLUMN IF NOT EXISTS) between
 * replicas starting at the same moment: PostgreSQL's IF NOT EXISTS is not safe against a concurrent
 * creator ("duplicate key value violates unique constraint pg_type_typname_nsp_index"), so two
 * replicas of a service booting together could see one of them fail to start.
 *
 * A transaction-scoped advisory lock, keyed by `name` (the schema): call it first inside the set-up's
 * transaction; it is released at commit or rollback.
 */
export async function lockForSetup(em: EntityManager, name: string): Promise<void> {
  await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fluxplane.setup.${name}`]);
}

/** Runs `setup` in one transaction that holds the set-up lock of `name` (see lockForSetup). */
export function setupExclusively<T>(db: DataSource, name: string, setup: (em: EntityManager) => Promise<T>): Promise<T> {
  return db.transaction(async (em) => {
    await lockForSetup(em, name);
    return setup(em);
  });
}
