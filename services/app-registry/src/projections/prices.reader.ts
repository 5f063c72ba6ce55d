import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@fluxplane/service-kit';
import { FLUX_PRICE_SCHEDULE } from '@fluxplane/flux-spec';
import { mergePriceSchedule, type MergedPriceEntry } from '../domain/price-schedule';
import { RegistryReader } from './registry.reader';
import type { RegistryConfig } from '../config';

/**
 * The price schedule every price here is computed with: flux-spec's configured schedule merged with
 * the price soft forks the projection holds, at rules heights (see mergePriceSchedule).
 */
@Injectable()
export class Prices {
  constructor(private readonly reader: RegistryReader, @Inject(CONFIG) private readonly config: RegistryConfig) {}

  async schedule(): Promise<MergedPriceEntry[]> {
    return mergePriceSchedule(FLUX_PRICE_SCHEDULE, await this.reader.priceForks(), this.config.RULES_HEIGHT_OFFSET);
  }
}
