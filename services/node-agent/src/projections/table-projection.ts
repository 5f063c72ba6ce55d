import type { EntityManager } from 'typeorm';

/**
 * The table plumbing shared by the node agent's one-table projections: the table name in the
 * service's schema, and `setup` / `reset` / `drop` of that table from its column definitions.
 */
export abstract class TableProjection {
  protected constructor(
    private readonly schema: string,
    private readonly tableName: string,
    /** The body of `CREATE TABLE (...)`: columns and keys. */
    private readonly columns: string,
  ) {}

  get table(): string {
    return `"${this.schema}".${this.tableName}`;
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${this.table} (${this.columns})`);
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${this.table}`);
  }

  async drop(em: EntityManager): Promise<void> {
    await em.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

/** Keys changed by `apply` since the last `take`, read after the commit to wake a reconciler. */
export class ChangedKeys {
  private keys = new Set<string>();

  add(key: string): void {
    this.keys.add(key);
  }

  take(): Set<string> {
    const c = this.keys;
    this.keys = new Set();
    return c;
  }
}
