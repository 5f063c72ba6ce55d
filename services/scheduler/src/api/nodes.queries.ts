import { Inject, Injectable } from '@nestjs/common';
import type { NetworkNode } from '@fluxplane/contracts';
import { allocatableFor, byNodeId, ClusterState, ZERO, type Hardware } from '../domain';
import { HARDWARE } from '../reconcile/placement-reconciler';

/**
 * Every node the scheduler knows, for the dashboard's node list: answered from its in-memory state,
 * so liveness and load are what its next decision would see.
 */
@Injectable()
export class NodesQuery {
  constructor(private readonly state: ClusterState, @Inject(HARDWARE) private readonly hardware: Hardware) {}

  list(): NetworkNode[] {
    return [...this.state.all()].sort(byNodeId).map((n) => {
      const usage = this.state.usage(n.nodeId);
      const used = usage ? { cpu: usage.cpu, ram: usage.ram, hdd: usage.hdd } : { ...ZERO };
      return {
        nodeId: n.nodeId, ip: n.ip, tier: n.tier, ...(n.location ? { location: n.location } : {}),
        up: n.up, expired: n.expired, benchmarkPassed: n.benchmarkPassed,
        instances: usage?.instances ?? 0, used, allocatable: allocatableFor(this.hardware, n.tier),
      };
    });
  }
}
