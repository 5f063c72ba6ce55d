import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RoutingState } from '../domain/routing-state';
import { APPS_TABLE, INSTANCES_TABLE } from '../schema';

/** Loads the decider's input from the projection in one snapshot (a single repeatable-read transaction). */
@Injectable()
export class RoutingStateReader {
  constructor(private readonly db: DataSource) {}

  async load(): Promise<RoutingState> {
    return this.db.transaction('REPEATABLE READ', async (em) => {
      const apps: Array<{ name: string; ports: number[] }> = await em.query(`SELECT name, ports FROM ${APPS_TABLE} WHERE active ORDER BY name`);
      const instances: Array<{ app: string; node_id: string; ip: string; ports: number[]; running: boolean }> = await em.query(
        `SELECT app, node_id, ip, ports, running FROM ${INSTANCES_TABLE} ORDER BY app, node_id`);
      return {
        apps: apps.map((a) => ({ name: a.name, ports: a.ports.map(Number) })),
        instances: instances.map((i) => ({ app: i.app, nodeId: i.node_id, ip: i.ip, ports: i.ports.map(Number), running: i.running })),
      };
    });
  }
}
