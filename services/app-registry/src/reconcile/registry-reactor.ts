import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { CONFIG, LOGGER, type Logger, ProjectionHost, ReconcileLoop, SINGLE_KEY } from '@fluxplane/service-kit';
import { RegistryProjection } from '../projections/registry.projection';
import { RegistryService } from '../registry.service';
import type { RegistryConfig } from '../config';

/** Events that can make a temporary message promotable, an app expire, or a decision void. */
const REACT_ON = new Set(['AppPaymentConfirmed', 'AppMessageAccepted', 'BlockIndexed', 'AppRegistered', 'AppUpdated',
  'AppPaymentReverted', 'ChainReorganized', 'AppRegistrationReverted', 'AppExpiryReverted', 'PriceScheduleChanged', 'PriceScheduleChangeReverted']);

/**
 * Runs the registry's reactions (promote paid messages, expire apps, roll back decisions from a
 * losing branch) after every projected event that can make one due, and every
 * REACTOR_INTERVAL_MS. One key: each run handles whatever the read model makes due.
 */
@Injectable()
export class RegistryReactor implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ReconcileLoop;

  constructor(
    private readonly projections: ProjectionHost,
    private readonly projection: RegistryProjection,
    registry: RegistryService,
    @Inject(CONFIG) config: RegistryConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.loop = new ReconcileLoop({
      name: 'registry', work: () => registry.react(), debounceMs: 50, intervalMs: config.REACTOR_INTERVAL_MS,
      projections, logger,
    });
  }

  onModuleInit(): void {
    this.projections.register(this.projection, { onApplied: (e, seq) => { if (REACT_ON.has(e.type)) this.loop.trigger(SINGLE_KEY, { seq }); } });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** Before the kit drains NATS and closes Postgres: let the run in flight finish first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}
