import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BenchService } from '../bench.service';

/**
 * For operators: where each registered node's benchmark stands, and which nodes' agents do not
 * answer (those stay unbenchmarked, so nothing is placed on them).
 */
@ApiTags('operations')
@Controller()
export class BenchmarksController {
  constructor(private readonly bench: BenchService) {}

  @Get('benchmarks')
  @ApiOperation({ summary: 'Benchmark state of every registered node' })
  @ApiOkResponse({ description: '{nodes: [{nodeId, tier, state, benchmarkedAt, unreachable}]}' })
  async list() {
    return { nodes: await this.bench.states() };
  }
}
