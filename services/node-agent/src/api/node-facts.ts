import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Rpc, type AppHash, type ExplorerHeight, type ExplorerNode, type RpcDefinition, type RequestOf, type ParsedReplyOf } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { call, errorText } from '@fluxplane/service-kit';
import { peersOf, type PeerLists } from '../domain/peers';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** How long a node route waits for the service it asks on the bus. */
const ASK_TIMEOUT_MS = 5000;

/**
 * What a node's FluxOS routes report that the agent does not hold itself, asked on the bus: the
 * chain as the chain indexer has it (height, tip, this node's confirmation, the confirmed nodes) and
 * the app hashes as the registry has them. A service that does not answer makes the route answer
 * FluxOS's error envelope with a 503.
 */
@Injectable()
export class NodeFacts {
  readonly startedAt = Date.now();

  constructor(private readonly store: EventStore, @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig) {}

  private async ask<D extends RpcDefinition>(def: D, request: RequestOf<D>): Promise<ParsedReplyOf<D>> {
    try {
      return await call(this.store.nc, def, request, ASK_TIMEOUT_MS);
    } catch (err) {
      throw new ServiceUnavailableException({ status: 'error', data: { code: 503, name: 'ServiceUnavailable', message: `${def.subject}: ${errorText(err)}` } });
    }
  }

  chain(): Promise<ExplorerHeight> {
    return this.ask(Rpc.explorerHeight, {});
  }

  nodes(): Promise<ExplorerNode[]> {
    return this.ask(Rpc.explorerNodes, {});
  }

  hashes(): Promise<AppHash[]> {
    return this.ask(Rpc.appHashes, {});
  }

  /** This node as the chain has it (confirmed), or undefined. */
  self(nodes: readonly ExplorerNode[]): ExplorerNode | undefined {
    return nodes.find((n) => n.nodeId === this.config.NODE_ID);
  }

  async peers(): Promise<PeerLists<ExplorerNode>> {
    return peersOf(this.config.NODE_ID, await this.nodes());
  }

  /** Seconds since this agent started (FluxOS: its own process uptime). */
  uptime(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }
}
