import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore, Projection, ProjectionRunner, ProjectionRunnerOptions } from '@fluxplane/eventstore';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from './tokens';
import type { BaseConfig } from './config';
import { DATABASE_SCHEMA } from './database';

/**
 * Owns a service's projection runners: services register projections while being constructed; the
 * host starts them once the app is up and stops them first on shutdown.
 */
@Injectable()
export class ProjectionHost {
  private readonly runners: ProjectionRunner[] = [];
  private started = false;

  constructor(
    @Inject(CONFIG) private readonly config: BaseConfig,
    private readonly store: EventStore,
    @Optional() @Inject(DataSource) private readonly db: DataSource | undefined,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(DATABASE_SCHEMA) private readonly schema?: string,
  ) {}

  register(projection: Projection, opts: Partial<ProjectionRunnerOptions> = {}): ProjectionRunner {
    if (!this.db || !this.schema) throw new Error('projections need a database: pass `database` to ServiceKitModule.forRoot');
    const runner = new ProjectionRunner(this.store, this.db, projection, {
      schema: this.schema,
      logger: this.logger.child({ projection: projection.name }),
      ...opts,
    });
    this.runners.push(runner);
    if (this.started) void runner.start();
    return runner;
  }

  get all(): readonly ProjectionRunner[] {
    return this.runners;
  }

  async startAll(): Promise<void> {
    this.started = true;
    for (const r of this.runners) {
      if (this.config.REBUILD_PROJECTIONS) {
        this.logger.warn({ projection: r.projection.name }, 'rebuilding projection from sequence 1 (REBUILD_PROJECTIONS)');
        await r.rebuild();
      } else {
        await r.start();
      }
    }
  }

  async stopAll(): Promise<void> {
    for (const r of this.runners) await r.stop();
  }

  /** Waits until every projection has handled everything stored so far. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    for (const r of this.runners) await r.catchUp(timeoutMs);
  }
}
