import { NodeBenchRpc, type FluxBenchBenchmarks } from '@fluxplane/contracts';
import type { EventStore } from '@fluxplane/eventstore';
import { call } from '@fluxplane/service-kit';

/** Asks a node for its FluxBench figures; an interface so the edge to the nodes stays small. */
export interface NodeBenchClient {
  /** The node measures itself again and answers (throws when it does not answer or answers garbage). */
  getBenchmarks(nodeId: string): Promise<FluxBenchBenchmarks>;
}

export const NODE_BENCH_CLIENT = Symbol('bench.node-bench-client');

/** Over the bus: the node-agent's `qry.node.<id>.bench.getbenchmarks`, its reply validated. */
export class BusNodeBenchClient implements NodeBenchClient {
  constructor(private readonly store: EventStore, private readonly timeoutMs: number) {}

  getBenchmarks(nodeId: string): Promise<FluxBenchBenchmarks> {
    return call(this.store.nc, NodeBenchRpc.getBenchmarks({ nodeId }), { refresh: true }, this.timeoutMs);
  }
}
