import { Injectable } from '@nestjs/common';
import { Rpc, type AppMessagesQuery, type AppSpecsQuery, type FluxMessage, type RegisteredSpec, type StatsHistoryQuery, type StatsTierHistoryQuery } from '@fluxplane/contracts';
import { RpcClient } from '@fluxplane/service-kit';

/**
 * The gateway owns no data: reads are queries and writes are commands to the owning services over
 * NATS request/reply, each reply validated against its contract by the RpcClient (a misbehaving
 * backend is a 502 naming the field, not a malformed answer to the public).
 */
@Injectable()
export class Backend {
  constructor(private readonly rpc: RpcClient) {}

  submitMessage(message: FluxMessage, correlationId?: string) {
    return this.rpc.call(Rpc.submitAppMessage, { message, correlationId });
  }
  specs(q: AppSpecsQuery) {
    return this.rpc.call(Rpc.appSpecs, q);
  }
  /** The registered spec of `name` (names are case-insensitive), or undefined. */
  async app(name: string): Promise<RegisteredSpec | undefined> {
    const [spec] = await this.specs({ name });
    return spec;
  }
  messages(q: AppMessagesQuery) {
    return this.rpc.call(Rpc.appMessages, q);
  }
  hashes() {
    return this.rpc.call(Rpc.appHashes, {});
  }
  /** The registry's indexed chain height and the height whose Flux rules apply to it. */
  chainHeight() {
    return this.rpc.call(Rpc.registryHeight, {});
  }
  /** The registry's merged price schedule (configured entries plus the chain's price soft forks). */
  prices() {
    return this.rpc.call(Rpc.appPrices, {});
  }
  /** Which other registered apps already claim these custom domains. */
  domainClaims(app: string, domains: string[]) {
    return this.rpc.call(Rpc.domainClaims, { app, domains });
  }
  /** Running instances; with `stopped`, also those their owner stopped (still placed). */
  locations(app?: string, opts: { stopped?: boolean } = {}, page: { offset?: number; limit?: number } = {}) {
    return this.rpc.call(Rpc.appLocations, { ...(app ? { app } : {}), ...(opts.stopped ? { stopped: true } : {}), ...page });
  }
  stats() {
    return this.rpc.call(Rpc.statsSummary, {});
  }
  /** The network's samples over a time range with each interval's activity (stats). */
  statsHistory(q: StatsHistoryQuery) {
    return this.rpc.call(Rpc.statsHistory, q);
  }
  /** Confirmed nodes per tier over a time range (stats). */
  statsTierHistory(q: StatsTierHistoryQuery) {
    return this.rpc.call(Rpc.statsTierHistory, q);
  }

  /*
   * Whole lists, read page by page: at Flux's scale (thousands of apps, tens of thousands of
   * instances) one answer exceeds NATS's max payload (1 MB by default). Pages are sized for specs of
   * a few kB each.
   */
  allSpecs() {
    return allPages((page) => this.specs(page), 250);
  }
  allPermanentMessages() {
    return allPages((page) => this.messages({ state: 'permanent', ...page }), 100);
  }
  allLocations() {
    return allPages((page) => this.locations(undefined, {}, page), 2000);
  }
  /** When every kept stats sample was taken (a number each: large pages). */
  allSampleTimes() {
    return allPages((page) => this.rpc.call(Rpc.statsSampleTimes, page), 10_000);
  }
  /** Every confirmed node as stats knows it. */
  allStatsNodes() {
    return allPages((page) => this.rpc.call(Rpc.statsNodes, page), 2000);
  }
}

/** Every row of a paged list query: pages of `limit` until a shorter one. */
async function allPages<T>(fetch: (page: { offset: number; limit: number }) => Promise<T[]>, limit: number): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await fetch({ offset, limit });
    rows.push(...page);
    if (page.length < limit) return rows;
  }
}
