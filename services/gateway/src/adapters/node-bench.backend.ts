import { Injectable } from '@nestjs/common';
import { NodeBenchRpc, type FluxBenchBenchmarks, type FluxBenchStatus, type NodeAddress } from '@fluxplane/contracts';
import { FluxError, RpcClient } from '@fluxplane/service-kit';

/**
 * FluxBench of one node, asked over the bus: each node-agent answers for its own node, by id and by
 * IP. A node nobody answers for (unknown, or its agent is down) is a 503 naming the node, not the
 * generic "backing service" one.
 */
@Injectable()
export class NodeBenchBackend {
  constructor(private readonly rpc: RpcClient) {}

  getBenchmarks(node: NodeAddress): Promise<FluxBenchBenchmarks> {
    return this.ask(node, () => this.rpc.call(NodeBenchRpc.getBenchmarks(node), {}));
  }

  getStatus(node: NodeAddress): Promise<FluxBenchStatus> {
    return this.ask(node, () => this.rpc.call(NodeBenchRpc.getStatus(node), {}));
  }

  private async ask<T>(node: NodeAddress, q: () => Promise<T>): Promise<T> {
    try {
      return await q();
    } catch (err) {
      if (err instanceof FluxError) throw err;
      const what = 'nodeId' in node ? `node ${node.nodeId}` : `the node at ${node.ip}`;
      if (isNoResponders(err)) throw new FluxError(503, 'NodeUnavailable', `no FluxBench answers for ${what}: the node is unknown or its agent is down`);
      throw err; // a timeout or a lost connection: the error filter's 503
    }
  }
}

function isNoResponders(err: unknown): boolean {
  const e = err as { name?: string; message?: unknown; cause?: { name?: string } } | undefined;
  return e?.name === 'NoResponders' || e?.cause?.name === 'NoResponders' || /no responders/i.test(String(e?.message));
}
