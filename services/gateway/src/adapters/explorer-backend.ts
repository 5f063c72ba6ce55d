import { Injectable } from '@nestjs/common';
import { Rpc, type ExplorerHeight, type ExplorerNode, type ExplorerPayment, type Tier } from '@fluxplane/contracts';
import { RpcClient } from '@fluxplane/service-kit';

/**
 * Explorer reads: the chain-indexer answers scanned height, nodes and payments over NATS
 * request/reply; an app's message hashes come from the registry. Replies are validated against their
 * contracts by the RpcClient.
 */
@Injectable()
export class ExplorerBackend {
  constructor(private readonly rpc: RpcClient) {}

  scannedHeight(): Promise<ExplorerHeight> {
    return this.rpc.call(Rpc.explorerHeight, {});
  }

  nodes(tier?: Tier): Promise<ExplorerNode[]> {
    return this.rpc.call(Rpc.explorerNodes, tier ? { tier } : {});
  }

  /** Every payment of any message (temporary or permanent) of the app `name`. */
  async appPayments(name: string): Promise<ExplorerPayment[]> {
    const [temporary, permanent] = await Promise.all([
      this.rpc.call(Rpc.appMessages, { state: 'temporary', name }),
      this.rpc.call(Rpc.appMessages, { state: 'permanent', name }),
    ]);
    const hashes = [...new Set([...temporary, ...permanent].map((m) => m.hash))];
    if (hashes.length === 0) return [];
    return this.rpc.call(Rpc.explorerPayments, { hashes });
  }
}
