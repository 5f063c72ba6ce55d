import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ComponentRun } from '@fluxplane/contracts';
import type { DesiredInstance, UnscheduledInstance } from '../domain/model';
import { DesiredInstancesProjection } from './desired-instances.projection';

export interface DesiredState {
  desired: DesiredInstance[];
  unscheduled: UnscheduledInstance[];
}

/** Reads the desired-instances read model for the reconcile loop. */
@Injectable()
export class DesiredStateReader {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    private readonly projection: DesiredInstancesProjection,
  ) {}

  async load(): Promise<DesiredState> {
    const rows: Array<{ app: string; desired: boolean; spec_hash: string | null; components: ComponentRun[] | null; reason: string }> =
      await this.db.query(`SELECT app, desired, spec_hash, components, reason FROM ${this.projection.table} ORDER BY app_key`);
    const state: DesiredState = { desired: [], unscheduled: [] };
    for (const r of rows) {
      if (r.desired) state.desired.push({ app: r.app, specHash: r.spec_hash!, components: r.components ?? [] });
      else state.unscheduled.push({ app: r.app, reason: r.reason });
    }
    return state;
  }
}
