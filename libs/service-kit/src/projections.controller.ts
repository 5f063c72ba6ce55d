import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProjectionHost } from './projection-host';

/**
 * Operators' view of a service's read models: the position and the parked (poison) events of each
 * projection. To rebuild them, restart the service with REBUILD_PROJECTIONS=true: rebuilding while
 * the service acts on its read model would let it act on half-replayed state.
 */
@ApiTags('operations')
@Controller('projections')
export class ProjectionsController {
  constructor(private readonly host: ProjectionHost) {}

  @Get()
  @ApiOperation({ summary: "Each projection's position and parked events" })
  @ApiOkResponse({
    schema: {
      type: 'array',
      items: {
        type: 'object', required: ['name', 'position', 'parked'],
        properties: { name: { type: 'string' }, position: { type: 'integer' }, parked: { type: 'array', items: { type: 'object' } } },
      },
    },
  })
  async list() {
    return Promise.all(this.host.all.map(async (r) => ({
      name: r.projection.name,
      position: r.handledPosition,
      parked: await r.parked(),
    })));
  }
}

/**
 * Which of the replicas' leases this one holds (one active runner per projection, the scheduler's
 * leader, the chain indexer's ingest loop): `{ <key>: { held, term, holder } }`, where `holder` is the
 * holder last seen in the bucket. Operators (and the compose test) find the active replica here.
 */
@ApiTags('operations')
@Controller('leases')
export class LeasesController {
  constructor(private readonly host: ProjectionHost) {}

  @Get()
  @ApiOperation({ summary: 'The leases of this replica: held or not, term, holder last seen' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: { type: 'object', properties: { held: { type: 'boolean' }, term: { type: 'integer' }, holder: { type: 'string', nullable: true } } } } })
  list() {
    return this.host.heldLeases();
  }
}
