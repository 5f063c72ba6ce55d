import type { EntityManager } from 'typeorm';

/**
 * Checkpoints and parked events live in the service's own schema, next to its read model, and are
 * written in the same transaction as the rows an event produced.
 */
export class CheckpointStore {
  constructor(readonly schema: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name '${schema}'`);
  }

  get table(): string {
    return `"${this.schema}".projection_checkpoints`;
  }

  get parkedTable(): string {
    return `"${this.schema}".parked_events`;
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      name text PRIMARY KEY,
      position bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now())`);
    // Added after the first release: the shape version the rows were built with.
    await em.query(`ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS version int NOT NULL DEFAULT 1`);
    await em.query(`CREATE TABLE IF NOT EXISTS ${this.parkedTable} (
      projection text NOT NULL,
      seq bigint NOT NULL,
      subject text NOT NULL,
      payload text NOT NULL,
      error text NOT NULL,
      attempts int NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, seq))`);
  }

  /** Creates the checkpoint row; answers the shape version its rows were built with. */
  async ensure(em: EntityManager, name: string, version = 1): Promise<number> {
    await em.query(`INSERT INTO ${this.table} (name, position, version) VALUES ($1, 0, $2) ON CONFLICT (name) DO NOTHING`, [name, version]);
    const rows: Array<{ version: number }> = await em.query(`SELECT version FROM ${this.table} WHERE name = $1 FOR UPDATE`, [name]);
    return rows[0]!.version;
  }

  /** Starts the projection over from sequence 1 with rows of shape `version`. */
  async restart(em: EntityManager, name: string, version: number): Promise<void> {
    await em.query(`UPDATE ${this.table} SET position = 0, version = $2, updated_at = now() WHERE name = $1`, [name, version]);
    await em.query(`DELETE FROM ${this.parkedTable} WHERE projection = $1`, [name]);
  }

  /** Reads and locks the checkpoint row for the rest of the transaction. */
  async lock(em: EntityManager, name: string): Promise<number> {
    const rows: Array<{ position: string }> = await em.query(`SELECT position FROM ${this.table} WHERE name = $1 FOR UPDATE`, [name]);
    if (rows.length === 0) throw new Error(`no checkpoint row for projection ${name}`);
    return Number(rows[0]!.position);
  }

  async read(em: EntityManager, name: string): Promise<number> {
    const rows: Array<{ position: string }> = await em.query(`SELECT position FROM ${this.table} WHERE name = $1`, [name]);
    return rows.length === 0 ? 0 : Number(rows[0]!.position);
  }

  async move(em: EntityManager, name: string, position: number): Promise<void> {
    await em.query(`UPDATE ${this.table} SET position = $2, updated_at = now() WHERE name = $1`, [name, position]);
  }

  async park(em: EntityManager, p: { projection: string; seq: number; subject: string; payload: string; error: string; attempts: number }): Promise<void> {
    await em.query(
      `INSERT INTO ${this.parkedTable} (projection, seq, subject, payload, error, attempts) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (projection, seq) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts, parked_at = now()`,
      [p.projection, p.seq, p.subject, p.payload, p.error, p.attempts],
    );
  }

  async parked(em: EntityManager, projection: string): Promise<Array<{ seq: number; subject: string; error: string; attempts: number }>> {
    const rows: Array<{ seq: string; subject: string; error: string; attempts: number }> = await em.query(
      `SELECT seq, subject, error, attempts FROM ${this.parkedTable} WHERE projection = $1 ORDER BY seq`, [projection]);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }
}
