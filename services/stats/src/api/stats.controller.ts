import { Controller, Get } from '@nestjs/common';
import { NetworkStatsService } from '../network-stats.service';

@Controller()
export class StatsController {
  constructor(private readonly stats: NetworkStatsService) {}

  /** Flux-style envelope, like the rest of the public API. */
  @Get('stats')
  async summary() {
    return { status: 'success', data: await this.stats.summary() };
  }
}
