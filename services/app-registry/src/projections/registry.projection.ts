import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';
import type { Projection, ProjectionContext } from '@fluxplane/eventstore';
import { nameKey } from '@fluxplane/flux-spec';

/**
 * The registry's read model: chain height, every accepted message (temporary until paid, then
 * permanent), every app payment seen on chain, the chain's price soft forks, and the current spec of
 * each app.
 *
 * Specs and messages are stored as JSON *text*: Flux hashes and signs `JSON.stringify(spec)` with
 * its key order, which `jsonb` would not keep.
 */
@Injectable()
export class RegistryProjection implements Projection {
  readonly name = 'registry';
  readonly subjects = ['evt.>'];

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS chain (id int PRIMARY KEY, height int NOT NULL, hash text NOT NULL)`);
    await em.query(`CREATE TABLE IF NOT EXISTS messages (
      hash text PRIMARY KEY, name text NOT NULL, name_key text NOT NULL, type text NOT NULL, owner text NOT NULL,
      message text NOT NULL, timestamp bigint NOT NULL, received_at timestamptz NOT NULL, valid_until timestamptz NOT NULL,
      state text NOT NULL DEFAULT 'temporary', txid text, height int, amount_sat bigint)`);
    await em.query(`CREATE INDEX IF NOT EXISTS messages_name_key ON messages (name_key)`);
    await em.query(`CREATE TABLE IF NOT EXISTS payments (hash text PRIMARY KEY, txid text NOT NULL, height int NOT NULL,
      amount_sat bigint NOT NULL, seen_at timestamptz NOT NULL)`);
    await em.query(`CREATE TABLE IF NOT EXISTS apps (name_key text PRIMARY KEY, name text NOT NULL, owner text NOT NULL,
      hash text NOT NULL, txid text NOT NULL, height int NOT NULL, spec text NOT NULL, expire_blocks int NOT NULL,
      expires_at_height int NOT NULL, active boolean NOT NULL, registered_height int NOT NULL)`);
    // Added with reorganisations (issue 4): the height of the app's expiry, and the reorganisations
    // whose app decisions the reactor has not undone yet (keyed by the ChainReorganized's sequence).
    await em.query(`ALTER TABLE apps ADD COLUMN IF NOT EXISTS expired_height int`);
    await em.query(`CREATE TABLE IF NOT EXISTS rollbacks (seq bigint PRIMARY KEY, fork_height int NOT NULL)`);
    // Price soft forks (PriceScheduleChanged), once per txid as in FluxOS; `seq` keeps their order on
    // chain (several in one block: the later one wins).
    await em.query(`CREATE TABLE IF NOT EXISTS price_forks (txid text PRIMARY KEY, height int NOT NULL, seq bigint NOT NULL,
      message text NOT NULL, cpu double precision NOT NULL, ram double precision NOT NULL, hdd double precision NOT NULL,
      min_price double precision NOT NULL, port double precision NOT NULL, scope double precision NOT NULL, staticip double precision NOT NULL)`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: ProjectionContext): Promise<void> {
    switch (e.type) {
      case 'BlockIndexed':
        await em.query(`INSERT INTO chain (id, height, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET height = $1, hash = $2`, [e.data.height, e.data.hash]);
        return;
      case 'BlockReverted':
        await em.query(`UPDATE chain SET height = $1, hash = COALESCE($2, '') WHERE id = 1`, [e.data.height - 1, e.data.previousHash]);
        return;
      case 'ChainReorganized':
        await em.query(`UPDATE chain SET height = $1 WHERE id = 1`, [e.data.forkHeight]);
        await em.query(`INSERT INTO rollbacks (seq, fork_height) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [ctx.seq, e.data.forkHeight]);
        return;
      case 'AppPaymentReverted':
        await em.query(`DELETE FROM payments WHERE hash = $1 AND txid = $2 AND height = $3`, [e.data.hash, e.data.txid, e.data.height]);
        return;
      case 'AppPaymentConfirmed':
        await em.query(`INSERT INTO payments (hash, txid, height, amount_sat, seen_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (hash) DO NOTHING`,
          [e.data.hash, e.data.txid, e.data.height, e.data.amountSat, e.time]);
        return;
      case 'PriceScheduleChanged': {
        const d = e.data;
        await em.query(`INSERT INTO price_forks (txid, height, seq, message, cpu, ram, hdd, min_price, port, scope, staticip)
          VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (txid) DO NOTHING`,
          [d.txid, d.height, ctx.seq, d.message, d.cpu, d.ram, d.hdd, d.minPrice, d.port, d.scope, d.staticip]);
        return;
      }
      case 'PriceScheduleChangeReverted':
        await em.query(`DELETE FROM price_forks WHERE txid = $1 AND height = $2`, [e.data.txid, e.data.height]);
        return;
      case 'AppMessageAccepted': {
        const m = e.data.message;
        await em.query(`INSERT INTO messages (hash, name, name_key, type, owner, message, timestamp, received_at, valid_until)
          VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (hash) DO NOTHING`,
          [m.hash, e.data.name, nameKey(e.data.name), m.type, e.data.owner, JSON.stringify(m), m.timestamp, e.data.receivedAt, e.data.validUntil]);
        return;
      }
      case 'AppRegistered':
      case 'AppUpdated': {
        const d = e.data;
        await em.query(`UPDATE messages SET state = 'permanent', txid = $2, height = $3, amount_sat = $4 WHERE hash = $1`, [d.hash, d.txid, d.height, d.amountSat]);
        await em.query(`INSERT INTO apps (name_key, name, owner, hash, txid, height, spec, expire_blocks, expires_at_height, active, registered_height)
          VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,true,$6)
          ON CONFLICT (name_key) DO UPDATE SET name = $2, owner = $3, hash = $4, txid = $5, height = $6, spec = $7,
            expire_blocks = $8, expires_at_height = $9, active = true, expired_height = NULL`,
          [nameKey(d.name), d.name, d.owner, d.hash, d.txid, d.height, JSON.stringify(d.spec), d.expireBlocks, d.expiresAtHeight]);
        return;
      }
      case 'AppExpired':
        await em.query(`UPDATE apps SET active = false, expired_height = $3 WHERE name_key = $1 AND hash = $2`, [nameKey(e.data.name), e.data.hash, e.data.height]);
        return;
      case 'AppExpiryReverted':
        await em.query(`UPDATE apps SET active = true, expired_height = NULL WHERE name_key = $1 AND hash = $2`, [nameKey(e.data.name), e.data.hash]);
        return;
      case 'AppRollbacksHandled':
        // The reactor handled these reorganisations; a replay must not hand them to it again.
        await em.query(`DELETE FROM rollbacks WHERE seq = ANY($1::bigint[])`, [e.data.reorgSeqs]);
        return;
      case 'AppRegistrationReverted': {
        // The message waits for a payment again; the app is what it was before that promotion.
        await em.query(`UPDATE messages SET state = 'temporary', txid = NULL, height = NULL, amount_sat = NULL WHERE hash = $1`, [e.data.hash]);
        const r = e.data.restored;
        if (!r) {
          await em.query(`DELETE FROM apps WHERE name_key = $1`, [nameKey(e.data.name)]);
          return;
        }
        await em.query(`UPDATE apps SET name = $2, owner = $3, hash = $4, txid = $5, height = $6, spec = $7, expire_blocks = $8,
          expires_at_height = $9, active = $10, expired_height = $11 WHERE name_key = $1`,
          [nameKey(r.name), r.name, r.owner, r.hash, r.txid, r.height, JSON.stringify(r.spec), r.expireBlocks, r.expiresAtHeight, r.active, r.expiredAtHeight]);
        return;
      }
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query('TRUNCATE chain, messages, payments, apps, rollbacks, price_forks');
  }
}
