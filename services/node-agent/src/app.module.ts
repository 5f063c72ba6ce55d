import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventStore } from '@fluxplane/eventstore';
import { HealthRegistry, Logger, ProjectionHost, serviceModule, SINGLE_KEY } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime } from './adapters/container-runtime';
import { DockerodeRuntime } from './adapters/dockerode.runtime';
import { BusRegistryAuth, REGISTRY_AUTH, type RegistryAuthSource } from './adapters/registry-auth';
import { LoopVolumeManager } from './adapters/loop-volume.manager';
import { VOLUME_MANAGER, type VolumeManager } from './adapters/volume-manager';
import { AppsController } from './api/apps.controller';
import { FluxNodeController } from './api/flux-node.controller';
import { NodeFacts } from './api/node-facts';
import { RunningApps } from './api/running-apps';
import { BenchmarkModule } from './benchmark/benchmark.module';
import { AppControlQueries } from './api/app-control.queries';
import { DeviceDirectory } from './adapters/device-directory';
import { SYNCTHING_CLIENT, type SyncthingClient } from './adapters/syncthing';
import { SyncthingRest } from './adapters/syncthing.rest';
import { schemaName } from './domain/naming';
import { HeartbeatPublisher } from './signals/heartbeat';
import { DesiredInstancesProjection } from './projections/desired-instances.projection';
import { DesiredStateReader } from './projections/desired-state.reader';
import { PeerPlacementsProjection } from './projections/peer-placements.projection';
import { PeerPlacementsReader } from './projections/peer-placements.reader';
import { DataSync } from './reconcile/data-sync';
import { MasterLeases } from './adapters/master-leases';
import { MasterTermsProjection } from './projections/master-terms.projection';
import { MasterTermsReader } from './projections/master-terms.reader';
import { MasterFencing } from './reconcile/master-fencing';
import { FenceWatchdogKeeper } from './reconcile/fence-watchdog-keeper';
import { SyncStartGate } from './reconcile/sync-start-gate';
import { SyncStatusSignals } from './signals/sync-status';
import { ActionExecutor } from './reconcile/executor';
import { NodeReconciler, STOP_WAIT_MS } from './reconcile/node-reconciler';
import { InstanceReporter } from './reconcile/instance-reporter';
import { START_GATE, type StartGate } from './reconcile/start-gate';
import { VolumeKeeper } from './reconcile/volume-keeper';
import { NODE_AGENT_CONFIG } from './tokens';
import type { NodeAgentConfig } from './config';

export interface NodeAgentOptions {
  /** Another engine than Docker through DOCKER_SOCKET (tests, other runtimes). */
  runtime?: ContainerRuntime;
  /** Another volume backend than loop-mounted ext4 files. */
  volumes?: VolumeManager;
  /** Decides when a component may start; default: data sync's gate. */
  startGate?: StartGate;
  /** Another Syncthing client than REST at SYNCTHING_URL (used only when SYNCTHING_URL is set). */
  syncthing?: SyncthingClient;
  /** Where private images' credentials come from; default: app-registry over the bus. */
  registryAuth?: RegistryAuthSource;
}

@Module({})
export class NodeAgentModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly host: ProjectionHost,
    private readonly projection: DesiredInstancesProjection,
    private readonly reconciler: NodeReconciler,
    private readonly heartbeat: HeartbeatPublisher,
    private readonly health: HealthRegistry,
    private readonly volumes: VolumeKeeper,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    private readonly peerProjection: PeerPlacementsProjection,
    private readonly sync: DataSync,
    @Inject(SYNCTHING_CLIENT) private readonly syncthing: SyncthingClient | null,
    private readonly termsProjection: MasterTermsProjection,
    private readonly fencing: MasterFencing,
    private readonly watchdog: FenceWatchdogKeeper,
  ) {}

  onModuleInit() {
    this.host.register(this.projection, {
      afterCommit: (seq) => {
        if (!this.projection.takeChange()) return;
        this.reconciler.loop.trigger(SINGLE_KEY, { seq });
        this.sync.loop.trigger(SINGLE_KEY, { seq });
        void this.fencing.refresh();
      },
    });
    // A new term is read at once; a change of role (new term, lease lapsed or renewed) wakes both loops.
    this.host.register(this.termsProjection, {
      afterCommit: () => {
        if (this.termsProjection.takeChanges().size > 0) void this.fencing.refresh();
      },
    });
    this.fencing.onChange(() => {
      this.reconciler.loop.trigger(SINGLE_KEY);
      this.sync.loop.trigger(SINGLE_KEY);
    });
    this.host.register(this.peerProjection, {
      afterCommit: (seq) => {
        if (this.peerProjection.takeChanges().size > 0) this.sync.loop.trigger(SINGLE_KEY, { seq });
      },
    });
    // A folder that caught up lets its held-back container start at once, not at the next period.
    this.sync.onReady(() => this.reconciler.loop.trigger(SINGLE_KEY));
    this.health.register('docker', () => this.runtime.ping());
    const syncthing = this.syncthing;
    if (syncthing) this.health.register('syncthing', async () => { await syncthing.myId(); });
  }

  async onApplicationBootstrap() {
    this.heartbeat.start();
    // The fence watchdog (reused when one outlived a previous agent) before any g: container may start.
    this.watchdog.start();
    this.fencing.start();
    // After a reboot the volumes are unmounted: mount what the node owns before any pass starts a container.
    await this.volumes.mountOwned();
    // The API (and /health) come up while the projection catches up; passes start after it.
    this.reconciler.loop.start();
    void this.sync.start();
  }

  /** Runs before the kit drains NATS. Containers are left running: they are the node's workload. */
  async onModuleDestroy() {
    this.heartbeat.stop();
    this.fencing.stop();
    this.watchdog.stop(); // only its keeper: the watchdog itself stays, to stop g: containers whose lease lapses
    await Promise.all([this.reconciler.loop.stop(STOP_WAIT_MS), this.sync.stop(STOP_WAIT_MS)]);
  }

  static forRoot(config: NodeAgentConfig, logger: Logger, opts: NodeAgentOptions = {}): DynamicModule {
    const name = 'node-agent';
    return serviceModule(NodeAgentModule, { name, config, logger: logger.child({ nodeId: config.NODE_ID }), database: { schema: schemaName(config.NODE_ID) } }, {
      imports: [BenchmarkModule.forRoot(config)],
      controllers: [AppsController, FluxNodeController],
      providers: [
        { provide: NODE_AGENT_CONFIG, useValue: config },
        { provide: CONTAINER_RUNTIME, useFactory: () => opts.runtime ?? new DockerodeRuntime(config.DOCKER_SOCKET, { idleTimeoutMs: config.DOCKER_TIMEOUT_MS, pullTimeoutMs: config.PULL_TIMEOUT_MS }) },
        { provide: VOLUME_MANAGER, useFactory: () => opts.volumes ?? new LoopVolumeManager() },
        {
          provide: SYNCTHING_CLIENT,
          useFactory: (): SyncthingClient | null => (config.SYNCTHING_URL ? opts.syncthing ?? new SyncthingRest({ url: config.SYNCTHING_URL, apiKey: config.SYNCTHING_API_KEY! }) : null),
        },
        { provide: REGISTRY_AUTH, useFactory: (store: EventStore) => opts.registryAuth ?? new BusRegistryAuth(store, config.NODE_ID), inject: [EventStore] },
        VolumeKeeper,
        DesiredInstancesProjection,
        DesiredStateReader,
        PeerPlacementsProjection,
        PeerPlacementsReader,
        DeviceDirectory,
        SyncStatusSignals,
        MasterLeases,
        MasterTermsProjection,
        MasterTermsReader,
        MasterFencing,
        FenceWatchdogKeeper,
        DataSync,
        SyncStartGate,
        // Data sync decides when r:/g: components may start (it lets everything start when sync is off).
        { provide: START_GATE, useFactory: (gate: SyncStartGate): StartGate => opts.startGate ?? gate, inject: [SyncStartGate] },
        InstanceReporter,
        ActionExecutor,
        NodeReconciler,
        HeartbeatPublisher,
        AppControlQueries,
        RunningApps,
        NodeFacts,
      ],
    });
  }
}
