import { Controller, Get } from '@nestjs/common';
import { NetworkReader } from '../projections/network.reader';

@Controller()
export class StatsController {
  constructor(private readonly stats: NetworkReader) {}

  /** Flux-style envelope, like the rest of the public API. */
  @Get('stats')
  async summary() {
    return { status: 'success', data: await this.stats.summary() };
  }
}
