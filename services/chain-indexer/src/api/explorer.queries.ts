import { Injectable } from '@nestjs/common';
import { Rpc, type ExplorerHeight, type ExplorerNode, type ExplorerNodesQuery, type ExplorerPayment, type ExplorerPaymentsQuery } from '@fluxplane/contracts';
import { Responder } from '@fluxplane/service-kit';
import { ChainIndexerService } from '../ingest/chain-indexer.service';
import { hostOf } from '../ingest/block-events';

/** Explorer queries over NATS, answered from the indexer's own state (the gateway's /explorer routes). */
@Injectable()
export class ExplorerQueries {
  constructor(private readonly indexer: ChainIndexerService, private readonly responder: Responder) {}

  serve(): void {
    this.responder.serve(Rpc.explorerHeight, () => this.height());
    this.responder.serve(Rpc.explorerNodes, (q) => this.nodes(q));
    this.responder.serve(Rpc.explorerPayments, (q) => this.payments(q));
  }

  height(): ExplorerHeight {
    return { generalScannedHeight: this.indexer.height, hash: this.indexer.tipHash };
  }

  nodes(q: ExplorerNodesQuery): ExplorerNode[] {
    return this.indexer.confirmedNodes()
      .filter(([, n]) => !q.tier || n.tier === q.tier)
      .map(([nodeId, n]) => {
        const [txhash, outidx] = splitOutpoint(nodeId);
        return {
          nodeId, collateral: `COutPoint(${txhash}, ${outidx})`, txhash, outidx, ip: hostOf(n.ip), tier: n.tier, collateralSat: n.collateralSat,
          confirmedHeight: n.confirmedHeight ?? -1, lastConfirmedHeight: n.lastConfirmedHeight ?? -1,
        };
      })
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  async payments(q: ExplorerPaymentsQuery): Promise<ExplorerPayment[]> {
    return q.hashes.length ? this.indexer.paymentsOf(q.hashes) : [];
  }
}

function splitOutpoint(nodeId: string): [string, number] {
  const i = nodeId.lastIndexOf(':');
  return [nodeId.slice(0, i), Number(nodeId.slice(i + 1))];
}
