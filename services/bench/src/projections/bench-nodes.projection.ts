import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '@fluxplane/contracts';
import type { Projection } from '@fluxplane/eventstore';
import { T } from './tables';

/**
 * Which nodes exist and which have a benchmark: the bench's to-do list. A node is pending from its
 * NodeRegistered until a NodeBenchmarked for it is seen (by anyone), or it expires.
 */
@Injectable()
export class BenchNodesProjection implements Projection {
  readonly name = 'bench-nodes';
  readonly subjects = ['evt.chain', 'evt.node.>'];
  private readonly committed: Array<(seq: number) => void> = [];
  private readonly registeredAt = new Set<number>();

  /** Called once a NodeRegistered is committed. */
  onNodeRegistered(listener: (seq: number) => void): void {
    this.committed.push(listener);
  }

  /** Runner hook, after the transaction of the event at `seq` committed. */
  flush(seq: number): void {
    if (!this.registeredAt.delete(seq)) return;
    for (const l of this.committed) l(seq);
  }

  async setup(em: EntityManager): Promise<void> {
    await em.query(`CREATE TABLE IF NOT EXISTS ${T.nodes} (node_id text PRIMARY KEY, tier text, ip text,
      registered_event_id text, registered_correlation_id text,
      benchmarked boolean NOT NULL DEFAULT false, expired boolean NOT NULL DEFAULT false)`);
    // Added after the first release: the verdict of the last benchmark and when it was made.
    await em.query(`ALTER TABLE ${T.nodes} ADD COLUMN IF NOT EXISTS passed boolean`);
    await em.query(`ALTER TABLE ${T.nodes} ADD COLUMN IF NOT EXISTS benchmarked_at timestamptz`);
  }

  async apply(e: DomainEvent, em: EntityManager, ctx: { seq: number }): Promise<void> {
    switch (e.type) {
      case 'NodeRegistered':
        await em.query(`INSERT INTO ${T.nodes} (node_id, tier, ip, registered_event_id, registered_correlation_id) VALUES ($1,$2,$3,$4,$5)
          ON CONFLICT (node_id) DO UPDATE SET tier = EXCLUDED.tier, ip = EXCLUDED.ip, expired = false,
          registered_event_id = EXCLUDED.registered_event_id, registered_correlation_id = EXCLUDED.registered_correlation_id`,
          [e.data.nodeId, e.data.tier, e.data.ip, e.id, e.correlationId ?? null]);
        this.registeredAt.add(ctx.seq);
        break;
      case 'NodeBenchmarked':
        await em.query(`INSERT INTO ${T.nodes} (node_id, benchmarked, passed, benchmarked_at) VALUES ($1, true, $2, $3)
          ON CONFLICT (node_id) DO UPDATE SET benchmarked = true, passed = $2, benchmarked_at = $3`, [e.data.nodeId, e.data.passed, e.time]);
        break;
      case 'NodeExpired':
        await em.query(`UPDATE ${T.nodes} SET expired = true WHERE node_id = $1`, [e.data.nodeId]);
        break;
      // A reverted registration: nothing to benchmark. A benchmark already made is kept (it is a fact
      // about the machine, on the node's own subject), so a re-registration is not benchmarked again.
      case 'NodeRegistrationReverted':
        await em.query(`DELETE FROM ${T.nodes} WHERE node_id = $1 AND NOT benchmarked`, [e.data.nodeId]);
        await em.query(`UPDATE ${T.nodes} SET expired = true WHERE node_id = $1`, [e.data.nodeId]);
        break;
      case 'NodeExpiryReverted':
        await em.query(`INSERT INTO ${T.nodes} (node_id, tier, ip) VALUES ($1,$2,$3)
          ON CONFLICT (node_id) DO UPDATE SET tier = EXCLUDED.tier, ip = EXCLUDED.ip, expired = false`, [e.data.nodeId, e.data.tier, e.data.ip]);
        break;
      default:
        break;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.query(`TRUNCATE ${T.nodes}`);
    this.registeredAt.clear();
  }
}
