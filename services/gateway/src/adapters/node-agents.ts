import { Injectable } from '@nestjs/common';
import { nodeAgentRpc, type AppLocation, type NodeAgentRpc, type ParsedReplyOf, type RequestOf } from '@fluxplane/contracts';
import { errorText, FluxError, RpcClient } from '@fluxplane/service-kit';
import { Backend } from './backend';

/** One node's answer, or why it gave none (its agent down, a refusal): the others still answer. */
export type NodeAnswer<T> =
  | { nodeId: string; ip: string; data: T }
  | { nodeId: string; ip: string; error: { code: number; name: string; message: string } };

/**
 * The node agents that hold an app, asked over the bus: the scheduler's locations (running
 * instances, and those their owner stopped) name the nodes, and each agent answers for itself.
 */
@Injectable()
export class NodeAgents {
  constructor(private readonly rpc: RpcClient, private readonly backend: Backend) {}

  async ask<K extends keyof NodeAgentRpc>(app: string, which: K, request: RequestOf<NodeAgentRpc[K]>): Promise<Array<NodeAnswer<ParsedReplyOf<NodeAgentRpc[K]>>>> {
    const locations: AppLocation[] = await this.backend.locations(app, { stopped: true });
    return Promise.all(locations.map(async (l) => {
      try {
        const data = await this.rpc.call(nodeAgentRpc(l.nodeId)[which], request);
        return { nodeId: l.nodeId, ip: l.ip, data: data as ParsedReplyOf<NodeAgentRpc[K]> };
      } catch (err) {
        const e = err instanceof FluxError ? err.body : { code: 503, name: 'NodeUnavailable', message: `node ${l.nodeId}: ${errorText(err)}` };
        return { nodeId: l.nodeId, ip: l.ip, error: e };
      }
    }));
  }
}
