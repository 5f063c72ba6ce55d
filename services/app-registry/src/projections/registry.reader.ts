import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FluxMessage } from '@fluxplane/contracts';
import { customDomains, runtimeView } from '@fluxplane/flux-spec';
import type { ChainPriceEntry } from '../domain/price-schedule';

export interface AppRow {
  name: string;
  nameKey: string;
  owner: string;
  hash: string;
  txid: string;
  height: number;
  spec: Record<string, unknown>;
  expireBlocks: number;
  expiresAtHeight: number;
  active: boolean;
}

export interface MessageRow {
  hash: string;
  name: string;
  type: string;
  owner: string;
  message: FluxMessage;
  receivedAt: Date;
  validUntil: Date;
  state: 'temporary' | 'permanent';
  txid: string | null;
  height: number | null;
  amountSat: number | null;
}

export interface PaymentRow {
  hash: string;
  txid: string;
  height: number;
  amountSat: number;
  seenAt: Date;
}

type Raw = Record<string, unknown>;

const toApp = (r: Raw): AppRow => ({
  name: r.name as string, nameKey: r.name_key as string, owner: r.owner as string, hash: r.hash as string, txid: r.txid as string,
  height: Number(r.height), spec: JSON.parse(r.spec as string), expireBlocks: Number(r.expire_blocks),
  expiresAtHeight: Number(r.expires_at_height), active: Boolean(r.active),
});

const toMessage = (r: Raw): MessageRow => ({
  hash: r.hash as string, name: r.name as string, type: r.type as string, owner: r.owner as string, message: JSON.parse(r.message as string),
  receivedAt: new Date(r.received_at as string), validUntil: new Date(r.valid_until as string), state: r.state as MessageRow['state'],
  txid: (r.txid as string) ?? null, height: r.height === null ? null : Number(r.height), amountSat: r.amount_sat === null ? null : Number(r.amount_sat),
});

/** Read-only access to the registry's projection. */
@Injectable()
export class RegistryReader {
  constructor(private readonly db: DataSource) {}

  async height(): Promise<number> {
    const rows = await this.db.query(`SELECT height FROM chain WHERE id = 1`);
    return rows.length ? Number(rows[0].height) : 0;
  }

  async app(nameKey: string): Promise<AppRow | undefined> {
    const rows = await this.db.query(`SELECT * FROM apps WHERE name_key = $1`, [nameKey]);
    return rows.length ? toApp(rows[0]) : undefined;
  }

  async apps(filter: { owner?: string; hash?: string; nameKey?: string; activeOnly?: boolean } = {}): Promise<AppRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.activeOnly !== false) where.push('active');
    if (filter.owner) { args.push(filter.owner); where.push(`owner = $${args.length}`); }
    if (filter.hash) { args.push(filter.hash); where.push(`hash = $${args.length}`); }
    if (filter.nameKey) { args.push(filter.nameKey); where.push(`name_key = $${args.length}`); }
    const rows = await this.db.query(`SELECT * FROM apps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name_key`, args);
    return rows.map(toApp);
  }

  /**
   * Active apps other than `exceptNameKey` whose stored spec mentions one of `domains` (a text
   * pre-filter; the caller reads the claims from the spec's runtime view).
   */
  async appsMentioning(domains: readonly string[], exceptNameKey: string): Promise<AppRow[]> {
    if (domains.length === 0) return [];
    const rows = await this.db.query(`SELECT * FROM apps WHERE active AND name_key <> $1
      AND EXISTS (SELECT 1 FROM unnest($2::text[]) d WHERE position(d IN lower(spec)) > 0) ORDER BY registered_height, name_key`, [exceptNameKey, domains]);
    return rows.map(toApp);
  }

  /** The active apps other than `exceptNameKey` and the custom domains of theirs among `domains`. */
  async domainClaimants(domains: readonly string[], exceptNameKey: string): Promise<Array<{ name: string; domains: string[] }>> {
    const wanted = new Set(domains);
    return (await this.appsMentioning(domains, exceptNameKey))
      .map((a) => ({ name: a.name, domains: customDomains(runtimeView(a.spec)).map((c) => c.domain).filter((d) => wanted.has(d)) }))
      .filter((a) => a.domains.length > 0);
  }

  async message(hash: string): Promise<MessageRow | undefined> {
    const rows = await this.db.query(`SELECT * FROM messages WHERE hash = $1`, [hash]);
    return rows.length ? toMessage(rows[0]) : undefined;
  }

  async messages(filter: { state?: 'temporary' | 'permanent'; hash?: string; owner?: string; nameKey?: string; validAt?: Date }): Promise<MessageRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => { args.push(v); where.push(sql.replace('?', `$${args.length}`)); };
    if (filter.state) add('state = ?', filter.state);
    if (filter.hash) add('hash = ?', filter.hash);
    if (filter.owner) add('owner = ?', filter.owner);
    if (filter.nameKey) add('name_key = ?', filter.nameKey);
    if (filter.validAt) add('valid_until >= ?', filter.validAt);
    const rows = await this.db.query(`SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY height NULLS LAST, timestamp, hash`, args);
    return rows.map(toMessage);
  }

  async payments(): Promise<PaymentRow[]> {
    const rows = await this.db.query(`SELECT * FROM payments ORDER BY height, hash`);
    return rows.map((r: Raw) => ({ hash: r.hash as string, txid: r.txid as string, height: Number(r.height), amountSat: Number(r.amount_sat), seenAt: new Date(r.seen_at as string) }));
  }

  /** The chain's price soft forks, in chain order. */
  async priceForks(): Promise<ChainPriceEntry[]> {
    const rows = await this.db.query(`SELECT * FROM price_forks ORDER BY height, seq`);
    return rows.map((r: Raw) => ({
      txid: r.txid as string, height: Number(r.height), cpu: Number(r.cpu), ram: Number(r.ram), hdd: Number(r.hdd),
      minPrice: Number(r.min_price), port: Number(r.port), scope: Number(r.scope), staticip: Number(r.staticip),
    }));
  }

  /** Temporary messages that now have a payment: candidates for promotion. */
  async paidTemporaryMessages(): Promise<Array<{ message: MessageRow; payment: PaymentRow }>> {
    const rows = await this.db.query(`SELECT m.*, p.txid AS p_txid, p.height AS p_height, p.amount_sat AS p_amount, p.seen_at AS p_seen
      FROM messages m JOIN payments p ON p.hash = m.hash WHERE m.state = 'temporary' ORDER BY p.height, m.timestamp`);
    return rows.map((r: Raw) => ({
      message: toMessage(r),
      payment: { hash: r.hash as string, txid: r.p_txid as string, height: Number(r.p_height), amountSat: Number(r.p_amount), seenAt: new Date(r.p_seen as string) },
    }));
  }

  async expiredApps(height: number): Promise<AppRow[]> {
    const rows = await this.db.query(`SELECT * FROM apps WHERE active AND expires_at_height <= $1`, [height]);
    return rows.map(toApp);
  }

  /** Reorganisations recorded by the projection and not handled yet. */
  async pendingRollbacks(): Promise<Array<{ seq: number; forkHeight: number }>> {
    const rows = await this.db.query(`SELECT seq, fork_height FROM rollbacks ORDER BY seq`);
    return rows.map((r: Raw) => ({ seq: Number(r.seq), forkHeight: Number(r.fork_height) }));
  }

  /** Apps with a promotion paid above `height` or an expiry decided above it. */
  async appsDecidedAbove(height: number): Promise<string[]> {
    const rows = await this.db.query(`SELECT DISTINCT name FROM messages WHERE state = 'permanent' AND height > $1
      UNION SELECT name FROM apps WHERE height > $1 OR expired_height > $1`, [height]);
    return [...new Set<string>(rows.map((r: Raw) => r.name as string))];
  }
}
