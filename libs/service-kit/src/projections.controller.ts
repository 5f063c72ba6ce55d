import { Controller, Get } from '@nestjs/common';
import { ProjectionHost } from './projection-host';

/**
 * Operators' view of a service's read models: the position and the parked (poison) events of each
 * projection. To rebuild them, restart the service with REBUILD_PROJECTIONS=true: rebuilding while
 * the service acts on its read model would let it act on half-replayed state.
 */
@Controller('projections')
export class ProjectionsController {
  constructor(private readonly host: ProjectionHost) {}

  @Get()
  async list() {
    return Promise.all(this.host.all.map(async (r) => ({
      name: r.projection.name,
      position: r.handledPosition,
      parked: await r.parked(),
    })));
  }
}
