import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, parseEvent } from '@fluxplane/contracts';
import { setupExclusively } from '@fluxplane/eventstore';
import { serialized } from './serialized';
import {
  ChainIndexerState, deserializeState, emptyChainIndexerState, MutableChainIndexerState, mutateStateWithDelta, serializeState,
  StateDelta, UndoFact,
} from '../domain';

export interface Cursor {
  height: number;
  hash: string;
  /**
   * Revision of `evt.chain` before the events in the outbox: once the outbox is published, the
   * revision is that of its last event.
   */
  revision: number;
}

/** One indexed block as kept for a rollback. */
export interface BlockRow {
  height: number;
  hash: string;
  previousHash: string | null;
  delta: StateDelta;
  undo: UndoFact[];
}

export interface PaymentRow {
  hash: string;
  txid: string;
  height: number;
  amountSat: number;
  address: string;
}

/**
 * The indexer's own progress in Postgres: the last block it finished, the state change and the
 * compensating facts of each recent block (to undo a reorganisation), a periodic snapshot of the
 * full state, the payment hashes confirmed so far, and an OUTBOX.
 *
 * Outbox: a batch of blocks (or a rollback) is committed in ONE transaction together with the events
 * it yields, before they are appended to `evt.chain`. After a crash the events stored past the
 * cursor's revision are a prefix of the outbox (matched by id) and only the rest is appended, so a
 * crash anywhere (mid-batch, mid-append, mid-rollback) loses nothing and stores nothing twice, and
 * repairing needs neither the RPC nor a recomputation of the blocks.
 */
@Injectable()
export class CursorStore {
  constructor(private readonly db: DataSource) {}

  async setup(): Promise<void> {
    // One transaction under the set-up lock: replicas starting together must not race their DDL.
    await setupExclusively(this.db, 'chain_indexer', async (em) => {
      await em.query(`CREATE TABLE IF NOT EXISTS cursor (id int PRIMARY KEY, height int NOT NULL, hash text NOT NULL, revision bigint NOT NULL)`);
      await em.query(`CREATE TABLE IF NOT EXISTS blocks (height int PRIMARY KEY, hash text NOT NULL, delta text NOT NULL)`);
      // Added with reorganisations (issue 4); older rows get an empty undo list.
      await em.query(`ALTER TABLE blocks ADD COLUMN IF NOT EXISTS previous_hash text`);
      await em.query(`ALTER TABLE blocks ADD COLUMN IF NOT EXISTS undo text NOT NULL DEFAULT '[]'`);
      await em.query(`ALTER TABLE blocks DROP COLUMN IF EXISTS payment_hashes`);
      await em.query(`ALTER TABLE blocks DROP COLUMN IF EXISTS revision`);
      await em.query(`CREATE TABLE IF NOT EXISTS snapshot (id int PRIMARY KEY, height int NOT NULL, state text NOT NULL)`);
      await em.query(`CREATE TABLE IF NOT EXISTS payments_seen (hash text PRIMARY KEY, height int NOT NULL)`);
      await em.query(`ALTER TABLE payments_seen ADD COLUMN IF NOT EXISTS txid text`);
      await em.query(`ALTER TABLE payments_seen ADD COLUMN IF NOT EXISTS amount_sat bigint`);
      await em.query(`ALTER TABLE payments_seen ADD COLUMN IF NOT EXISTS address text`);
      await em.query(`CREATE INDEX IF NOT EXISTS payments_seen_height ON payments_seen (height)`);
      await em.query(`CREATE TABLE IF NOT EXISTS outbox (pos int PRIMARY KEY, event text NOT NULL)`);
      // The fence of replicated indexers: the highest ingest lease term that wrote (see claimWriter).
      await em.query(`CREATE TABLE IF NOT EXISTS writer (id int PRIMARY KEY, term bigint NOT NULL)`);
    });
  }

  /**
   * Fences the tables to the holder of ingest lease `term` before it loads them: from now on every
   * commit of a lower term (an indexer deposed while a batch was in flight) is refused, so the
   * cursor never moves under the new holder. `null`: no lease (one indexer per deployment).
   */
  async claimWriter(term: number | null, em: Pick<EntityManager, 'query'> = this.db): Promise<void> {
    const rows: Array<{ term: string }> = await em.query(CLAIM_WRITER, [term]);
    if (rows.length === 0) {
      const held = await em.query(`SELECT term FROM writer WHERE id = 1`);
      throw new WriterFencedError(term, Number(held[0]?.term ?? 0));
    }
  }

  async load(): Promise<{ cursor: Cursor | undefined; state: MutableChainIndexerState; snapshotHeight: number; outbox: EventEnvelope[] }> {
    const rows = await this.db.query(`SELECT height, hash, revision FROM cursor WHERE id = 1`);
    const outbox = (await this.db.query(`SELECT event FROM outbox ORDER BY pos`))
      .flatMap((r: { event: string }) => (JSON.parse(r.event) as unknown[]).map((e) => parseEvent(e)));
    const snap = await this.db.query(`SELECT height, state FROM snapshot WHERE id = 1`);
    const snapshotHeight = snap.length ? Number(snap[0].height) : -1;
    if (!rows.length) return { cursor: undefined, state: mutable(emptyChainIndexerState()), snapshotHeight, outbox };
    const cursor: Cursor = { height: Number(rows[0].height), hash: rows[0].hash, revision: Number(rows[0].revision) };
    const state = mutable(snap.length ? deserializeState(JSON.parse(snap[0].state)) : emptyChainIndexerState());
    const deltas = await this.db.query(`SELECT delta FROM blocks WHERE height > $1 AND height <= $2 ORDER BY height`, [snapshotHeight, cursor.height]);
    for (const d of deltas) mutateStateWithDelta(state, JSON.parse(d.delta) as StateDelta);
    return { cursor, state, snapshotHeight, outbox };
  }

  /** Which of these payment hashes were never confirmed before. */
  async unconfirmedHashes(hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows: Array<{ hash: string }> = await this.db.query(`SELECT hash FROM payments_seen WHERE hash = ANY($1)`, [hashes]);
    const seen = new Set(rows.map((r) => r.hash));
    return new Set(hashes.filter((h) => !seen.has(h)));
  }

  /** Hashes of the kept blocks at heights ≥ `from`, for finding a fork point. */
  async blockHashes(from: number): Promise<Map<number, string>> {
    const rows: Array<{ height: number; hash: string }> = await this.db.query(`SELECT height, hash FROM blocks WHERE height >= $1`, [from]);
    return new Map(rows.map((r) => [Number(r.height), r.hash]));
  }

  /** The kept blocks above `height`, newest first. */
  async blocksAbove(height: number): Promise<BlockRow[]> {
    const rows = await this.db.query(`SELECT height, hash, previous_hash, delta, undo FROM blocks WHERE height > $1 ORDER BY height DESC`, [height]);
    return rows.map((r: { height: number; hash: string; previous_hash: string | null; delta: string; undo: string }) => ({
      height: Number(r.height), hash: r.hash, previousHash: r.previous_hash, delta: JSON.parse(r.delta), undo: JSON.parse(r.undo),
    }));
  }

  async payments(hashes: string[]): Promise<PaymentRow[]> {
    const rows = await this.db.query(`SELECT hash, txid, height, amount_sat, address FROM payments_seen WHERE hash = ANY($1) ORDER BY height, hash`, [hashes]);
    return rows.map((r: { hash: string; txid: string | null; height: number; amount_sat: string | null; address: string | null }) => ({
      hash: r.hash, txid: r.txid ?? '', height: Number(r.height), amountSat: Number(r.amount_sat ?? 0), address: r.address ?? '',
    }));
  }

  /**
   * A batch of indexed blocks, in one transaction: the cursor (last block, and the revision the
   * outbox starts after), the blocks' rows, the newly confirmed payments, the outbox, an optional
   * snapshot, and pruning of blocks older than the reorg window that the snapshot covers.
   */
  async commitBatch(b: {
    cursor: Cursor; blocks: BlockRow[]; payments: PaymentRow[]; outbox: EventEnvelope[];
    snapshot?: { height: number; state: ChainIndexerState }; keepFrom: number;
    /** The ingest lease term this batch was indexed under (null: no lease): a lower one than the fence's is refused. */
    term: number | null;
  }): Promise<void> {
    const params = [
      b.cursor.height, b.cursor.hash, b.cursor.revision, outboxText(b.outbox),
      b.blocks.map((x) => x.height), b.blocks.map((x) => x.hash), b.blocks.map((x) => x.previousHash),
      b.blocks.map((x) => JSON.stringify(x.delta)), b.blocks.map((x) => JSON.stringify(x.undo)),
      b.payments.map((p) => p.hash), b.payments.map((p) => p.height), b.payments.map((p) => p.txid),
      b.payments.map((p) => p.amountSat), b.payments.map((p) => p.address), b.keepFrom, b.term,
    ];
    const run = async (em: Pick<EntityManager, 'query'>) => {
      const rows: Array<{ fenced: number }> = await em.query(COMMIT_BATCH, params);
      if (rows[0]?.fenced !== 1) {
        const held = await em.query(`SELECT term FROM writer WHERE id = 1`);
        throw new WriterFencedError(b.term, Number(held[0]?.term ?? 0));
      }
    };
    // One statement is one transaction: a batch costs one round trip (a resync commits one per
    // batch, and the round trips were most of the indexer's idle time). A snapshot is rare and large:
    // it goes in the same transaction as its batch.
    if (!b.snapshot) {
      await run(this.db);
      return;
    }
    const snapshot = b.snapshot;
    await this.db.transaction(async (em) => {
      await run(em);
      await this.writeSnapshot(em, snapshot);
    });
  }

  /**
   * A rollback to `fork`, in one transaction: the cursor moves back, the reverted blocks and the
   * payments they confirmed are forgotten, the compensating events go to the outbox, and a snapshot
   * newer than the fork is replaced by the state at the fork.
   */
  async commitRollback(r: { cursor: Cursor; outbox: EventEnvelope[]; snapshot?: { height: number; state: ChainIndexerState }; term: number | null }): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.claimWriter(r.term, em);
      await this.moveCursor(em, r.cursor, r.outbox);
      await em.query(`DELETE FROM blocks WHERE height > $1`, [r.cursor.height]);
      await em.query(`DELETE FROM payments_seen WHERE height > $1`, [r.cursor.height]);
      if (r.snapshot) await this.writeSnapshot(em, r.snapshot);
    });
  }

  private async moveCursor(em: EntityManager, c: Cursor, outbox: EventEnvelope[]): Promise<void> {
    await em.query(`INSERT INTO cursor (id, height, hash, revision) VALUES (1, $1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET height = $1, hash = $2, revision = $3`, [c.height, c.hash, c.revision]);
    await em.query(`INSERT INTO outbox (pos, event) VALUES (0, $1) ON CONFLICT (pos) DO UPDATE SET event = EXCLUDED.event`, [outboxText(outbox)]);
  }

  private async writeSnapshot(em: EntityManager, s: { height: number; state: ChainIndexerState }): Promise<void> {
    await em.query(`INSERT INTO snapshot (id, height, state) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET height = $1, state = $2`,
      [s.height, JSON.stringify(serializeState(s.state))]);
  }
}

/** The outbox is one row (pos 0) holding the JSON array of the events, in order; `[]` when empty. */
function outboxText(outbox: EventEnvelope[]): string {
  return `[${outbox.map(serialized).join(',')}]`;
}

/**
 * A batch of indexed blocks as ONE statement (data-modifying CTEs run in one snapshot, atomically):
 * the cursor (last block, and the revision the outbox starts after), the outbox, the blocks' rows,
 * the newly confirmed payments, and the pruning of blocks older than the reorg window that the
 * snapshot covers (it sees the rows as they were before the statement, so it never removes a row
 * this batch writes; such rows go with the next batch).
 */
const COMMIT_BATCH = `
WITH fence AS (
  INSERT INTO writer (id, term) VALUES (1, COALESCE($16::bigint, 0))
  ON CONFLICT (id) DO UPDATE SET term = GREATEST(writer.term, EXCLUDED.term)
  WHERE $16::bigint IS NULL OR writer.term <= EXCLUDED.term
  RETURNING term
), cur AS (
  INSERT INTO cursor (id, height, hash, revision) SELECT 1, $1::int, $2::text, $3::bigint FROM fence
  ON CONFLICT (id) DO UPDATE SET height = EXCLUDED.height, hash = EXCLUDED.hash, revision = EXCLUDED.revision
), ob AS (
  INSERT INTO outbox (pos, event) SELECT 0, $4::text FROM fence ON CONFLICT (pos) DO UPDATE SET event = EXCLUDED.event
), blk AS (
  INSERT INTO blocks (height, hash, previous_hash, delta, undo)
  SELECT u.* FROM unnest($5::int[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u CROSS JOIN fence
  ON CONFLICT (height) DO UPDATE SET hash = EXCLUDED.hash, previous_hash = EXCLUDED.previous_hash, delta = EXCLUDED.delta, undo = EXCLUDED.undo
), pay AS (
  INSERT INTO payments_seen (hash, height, txid, amount_sat, address)
  SELECT u.* FROM unnest($10::text[], $11::int[], $12::text[], $13::bigint[], $14::text[]) AS u CROSS JOIN fence ON CONFLICT DO NOTHING
), prune AS (
  DELETE FROM blocks WHERE EXISTS (SELECT 1 FROM fence) AND height < $15 AND height <= COALESCE((SELECT height FROM snapshot WHERE id = 1), -1)
)
SELECT (SELECT count(*) FROM fence)::int AS fenced`;

/** Moves the fence to `term` unless a higher term already holds it; no row back: refused. */
const CLAIM_WRITER = `
INSERT INTO writer (id, term) VALUES (1, COALESCE($1::bigint, 0))
ON CONFLICT (id) DO UPDATE SET term = GREATEST(writer.term, EXCLUDED.term)
WHERE $1::bigint IS NULL OR writer.term <= EXCLUDED.term
RETURNING term`;

/** A commit (or a claim) of an ingest lease term below the one that holds the tables. */
export class WriterFencedError extends Error {
  constructor(readonly term: number | null, readonly fence: number) {
    super(`chain_indexer.writer is held by ingest lease term ${fence}, above this indexer's ${term}: another indexer took over `
      + '(or the lease bucket was recreated: then stop every indexer and DELETE FROM chain_indexer.writer)');
    this.name = 'WriterFencedError';
  }
}

function mutable(state: ChainIndexerState): MutableChainIndexerState {
  return { collaterals: new Map(state.collaterals), nodes: new Map(state.nodes) };
}
