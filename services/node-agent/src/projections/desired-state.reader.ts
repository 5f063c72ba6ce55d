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
    const rows: Array<{ app: string; desired: boolean; spec_hash: string | null; components: ComponentRun[] | null; reason: string; held: boolean; failed_spec: string | null; routed_spec: string | null }> =
      await this.db.query(`SELECT app, desired, spec_hash, components, reason, held, failed_spec, routed_spec FROM ${this.projection.table} ORDER BY app_key`);
    const state: DesiredState = { desired: [], unscheduled: [] };
    for (const r of rows) {
      const routed = r.routed_spec ? { routedSpec: r.routed_spec } : {};
      if (r.desired) state.desired.push({ app: r.app, specHash: r.spec_hash!, components: r.components ?? [], ...(r.held ? { held: true } : {}), ...(r.failed_spec ? { failedSpec: r.failed_spec } : {}), ...routed });
      else state.unscheduled.push({ app: r.app, reason: r.reason, ...routed });
    }
    return state;
  }
}
