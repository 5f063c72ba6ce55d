import { Controller, Get } from '@nestjs/common';
import { routeSummary } from '../domain/route-table';
import { RouteApplier } from '../reconcile/route-applier';

/** What HAProxy was last told to route: for operators and the dashboard. */
@Controller()
export class RoutesController {
  constructor(private readonly applier: RouteApplier) {}

  @Get('routes')
  routes() {
    const last = this.applier.last;
    return {
      status: 'success',
      data: last
        ? { appliedAt: last.at.toISOString(), method: last.method, reason: last.reason, durationMs: last.durationMs, routes: routeSummary(last.table) }
        : null,
    };
  }
}
