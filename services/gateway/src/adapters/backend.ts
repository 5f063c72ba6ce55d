import { Inject, Injectable } from '@nestjs/common';
import { AppMessagesQuery, AppPrices, AppSpecsQuery, Commands, FluxMessage, Queries } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG, request } from '@fluxplane/service-kit';
import type { GatewayConfig } from '../config';

/** A global spec as the registry lists it: the spec plus the hash and chain height of its latest paid message. */
export type RegisteredSpec = Record<string, unknown> & { hash: string; height: number; owner: string; name: string };

/**
 * The gateway owns no data: reads are queries and writes are commands to the owning services over
 * NATS request/reply. This is the one place that knows their subjects.
 */
@Injectable()
export class Backend {
  constructor(private readonly store: EventStore, @Inject(CONFIG) private readonly config: GatewayConfig) {}

  private ask<T>(subject: string, body: unknown): Promise<T> {
    return request<T>(this.store, subject, body, this.config.REQUEST_TIMEOUT_MS);
  }

  submitMessage(message: FluxMessage, correlationId?: string) {
    return this.ask<{ hash: string; warnings: string[] }>(Commands.submitAppMessage, { message, correlationId });
  }
  specs(q: AppSpecsQuery) {
    return this.ask<RegisteredSpec[]>(Queries.appSpecs, q);
  }
  /** The registered spec of `name` (names are case-insensitive), or undefined. */
  async app(name: string): Promise<RegisteredSpec | undefined> {
    const [spec] = await this.specs({ name });
    return spec;
  }
  messages(q: AppMessagesQuery) {
    return this.ask<unknown[]>(Queries.appMessages, q);
  }
  hashes() {
    return this.ask<unknown[]>(Queries.appHashes, {});
  }
  /** The registry's indexed chain height and the height whose Flux rules apply to it. */
  chainHeight() {
    return this.ask<{ height: number; rulesHeight: number }>(Queries.registryHeight, {});
  }
  /** The registry's merged price schedule (configured entries plus the chain's price soft forks), validated. */
  async prices(): Promise<AppPrices> {
    return AppPrices.parse(await this.ask<unknown>(Queries.appPrices, {}));
  }
  locations(app?: string) {
    return this.ask<unknown[]>(Queries.appLocations, app ? { app } : {});
  }
  stats() {
    return this.ask<unknown>(Queries.statsSummary, {});
  }
}
