import {
  ExplorerHeight, ExplorerNode, ExplorerNodesQuery, ExplorerPayment, Queries, type Tier,
} from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { request } from '@fluxplane/service-kit';
import { z } from 'zod';

/**
 * Explorer reads: the chain-indexer answers scanned height, nodes and payments over NATS
 * request/reply; an app's message hashes come from the registry. Replies are validated (zod at every
 * boundary), so a misbehaving backend is a 502, not a malformed answer.
 */
export class ExplorerBackend {
  constructor(private readonly store: EventStore, private readonly timeoutMs: number) {}

  private async ask<S extends z.ZodType>(subject: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return schema.parse(await request<unknown>(this.store, subject, body, this.timeoutMs));
  }

  scannedHeight(): Promise<ExplorerHeight> {
    return this.ask(Queries.explorerHeight, {}, ExplorerHeight);
  }

  nodes(tier?: Tier): Promise<ExplorerNode[]> {
    const q: ExplorerNodesQuery = tier ? { tier } : {};
    return this.ask(Queries.explorerNodes, q, z.array(ExplorerNode));
  }

  /** Every payment of any message (temporary or permanent) of the app `name`. */
  async appPayments(name: string): Promise<ExplorerPayment[]> {
    const Hashes = z.array(z.object({ hash: z.string() }).passthrough());
    const [temporary, permanent] = await Promise.all([
      this.ask(Queries.appMessages, { state: 'temporary', name }, Hashes),
      this.ask(Queries.appMessages, { state: 'permanent', name }, Hashes),
    ]);
    const hashes = [...new Set([...temporary, ...permanent].map((m) => m.hash))];
    if (hashes.length === 0) return [];
    return this.ask(Queries.explorerPayments, { hashes }, z.array(ExplorerPayment));
  }
}
