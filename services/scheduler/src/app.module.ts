import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { Rpc } from '@fluxplane/contracts';
import { CONFIG, Logger, ProjectionHost, Responder, serviceModule } from '@fluxplane/service-kit';
import { SchedulerProjection } from './projections/scheduler.projection';
import { SchedulerStateReader } from './projections/scheduler-state.reader';
import { HARDWARE, PlacementReconciler } from './reconcile/placement-reconciler';
import { SchedulerService } from './reconcile/scheduler.service';
import { LocationsQuery } from './api/locations.queries';
import { PlacementQuery } from './api/placement.queries';
import { NodesQuery } from './api/nodes.queries';
import { SCHEMA } from './projections/tables';
import { HeartbeatMonitor } from './signals/heartbeat-monitor.service';
import { SyncStatusView } from './signals/sync-status-view';
import { MasterLeaseWatch } from './adapters/master-lease-watch';
import { MasterElector } from './reconcile/master-elector';
import { MasterElectionService } from './reconcile/master-election.service';
import { hardwareFrom, type SchedulerConfig } from './config';
import { ClusterState } from './domain';
import { SchedulerLeadership } from './reconcile/leadership.service';
import { StartDeadlineWatch } from './reconcile/start-deadline.service';

@Module({})
export class SchedulerModule implements OnModuleInit {
  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: SchedulerProjection,
    private readonly scheduler: SchedulerService,
    private readonly responder: Responder,
    private readonly locations: LocationsQuery,
    private readonly placement: PlacementQuery,
    private readonly nodes: NodesQuery,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
  ) {}

  onModuleInit() {
    // Each scheduler replica keeps its own read model (a standby must be warm): its own consumer.
    const durableName = this.config.SCHEDULER_ID ? `${SCHEMA}-${this.projection.name}-${this.config.SCHEDULER_ID}` : undefined;
    // A named replica applies every event itself, so it holds no projection lease (shared by name,
    // it would keep a standby's read model cold until the active one died).
    // Its own decisions come back through it (each placement it appends): validated once, when made.
    const runner = this.host.register(this.projection, {
      afterCommit: (seq) => this.projection.flush(seq), trustOwnEvents: true, ...(durableName ? { durableName, lease: undefined } : {}),
    });
    this.scheduler.attach(runner);
    this.responder.serve(Rpc.appLocations, (req) => this.locations.handle(req));
    this.responder.serve(Rpc.appPlacement, async (req) => this.placement.explain(req));
    this.responder.serve(Rpc.placementDryRun, async (req) => this.placement.dryRun(req));
    this.responder.serve(Rpc.networkNodes, async () => this.nodes.list());
  }

  static forRoot(config: SchedulerConfig, logger: Logger): DynamicModule {
    return serviceModule(SchedulerModule, { name: 'scheduler', config, logger, database: { schema: SCHEMA } }, {
      providers: [
        { provide: HARDWARE, useValue: hardwareFrom(config) },
        { provide: ClusterState, useFactory: () => new ClusterState() },
        SchedulerProjection,
        SchedulerStateReader,
        PlacementReconciler,
        SchedulerService,
        LocationsQuery,
        PlacementQuery,
        NodesQuery,
        HeartbeatMonitor,
        SyncStatusView,
        MasterLeaseWatch,
        MasterElector,
        MasterElectionService,
        SchedulerLeadership,
        StartDeadlineWatch,
      ],
    });
  }
}
