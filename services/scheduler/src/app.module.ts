import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { AppLocationsQuery, Queries } from '@fluxplane/contracts';
import { Logger, ProjectionHost, Responder, ServiceKitModule } from '@fluxplane/service-kit';
import { SchedulerProjection } from './projections/scheduler.projection';
import { SchedulerStateRepository } from './adapters/scheduler-state.repository';
import { HARDWARE, PlacementReconciler } from './reconcile/placement-reconciler';
import { SchedulerService } from './reconcile/scheduler.service';
import { LocationsQuery } from './api/locations.query';
import { SCHEMA } from './projections/tables';
import { HeartbeatMonitor } from './liveness/heartbeat-monitor.service';
import { hardwareFrom, type SchedulerConfig } from './config';

@Module({})
export class SchedulerModule implements OnModuleInit {
  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: SchedulerProjection,
    private readonly scheduler: SchedulerService,
    private readonly responder: Responder,
    private readonly locations: LocationsQuery,
  ) {}

  onModuleInit() {
    const runner = this.host.register(this.projection, { afterCommit: (seq) => this.projection.flush(seq) });
    this.scheduler.attach(runner);
    this.responder.serve(Queries.appLocations, AppLocationsQuery, (req) => this.locations.handle(req));
  }

  static forRoot(config: SchedulerConfig, logger: Logger): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [ServiceKitModule.forRoot({ name: 'scheduler', config, logger, database: { schema: SCHEMA } })],
      providers: [
        { provide: HARDWARE, useValue: hardwareFrom(config) },
        SchedulerProjection,
        SchedulerStateRepository,
        PlacementReconciler,
        SchedulerService,
        LocationsQuery,
        HeartbeatMonitor,
      ],
    };
  }
}
