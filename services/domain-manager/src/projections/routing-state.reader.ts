import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CustomDomain, RoutingState } from '../domain/routing-state';
import { APPS_TABLE, INSTANCES_TABLE, MASTERS_TABLE } from '../schema';

/** Loads the decider's input from the projection in one snapshot (a single repeatable-read transaction). */
@Injectable()
export class RoutingStateReader {
  constructor(private readonly db: DataSource) {}

  async load(): Promise<RoutingState> {
    return this.db.transaction('REPEATABLE READ', async (em) => {
      const apps: Array<{ name: string; ports: number[]; primary_standby: string[]; domains: CustomDomain[] }> = await em.query(
        `SELECT name, ports, primary_standby, domains FROM ${APPS_TABLE} WHERE active ORDER BY name`);
      const instances: Array<{ app: string; node_id: string; ip: string; ports: number[]; running: boolean; spec_hash: string | null; scheduled_hash: string | null }> = await em.query(
        `SELECT app, node_id, ip, ports, running, spec_hash, scheduled_hash FROM ${INSTANCES_TABLE} ORDER BY app, node_id`);
      const masters: Array<{ app: string; component: string; node_id: string; term: number }> = await em.query(
        `SELECT app, component, node_id, term FROM ${MASTERS_TABLE} ORDER BY app, component`);
      return {
        apps: apps.map((a) => ({ name: a.name, ports: a.ports.map(Number), primaryStandby: a.primary_standby, domains: a.domains.map((d) => ({ ...d, since: Number(d.since) })) })),
        instances: instances.map((i) => ({ app: i.app, nodeId: i.node_id, ip: i.ip, ports: i.ports.map(Number), running: i.running, ...(i.spec_hash ? { specHash: i.spec_hash } : {}), ...(i.scheduled_hash ? { scheduledHash: i.scheduled_hash } : {}) })),
        masters: masters.map((m) => ({ app: m.app, component: m.component, nodeId: m.node_id, term: Number(m.term) })),
      };
    });
  }
}
