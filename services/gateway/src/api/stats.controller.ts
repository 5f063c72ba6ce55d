import { Controller, Get } from '@nestjs/common';
import { Backend } from '../adapters/backend';
import { success } from './envelope';

/** Network-wide aggregates from the stats service. */
@Controller()
export class NetworkStatsController {
  constructor(private readonly backend: Backend) {}

  @Get('stats')
  async stats() {
    return success(await this.backend.stats());
  }
}
