import { Controller, Get, Inject } from '@nestjs/common';
import type { ExplorerNode } from '@fluxplane/contracts';
import { NodeBenchmark } from '../benchmark/node-benchmark';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { peersOf } from '../domain/peers';
import { NodeFacts } from './node-facts';
import { RunningApps } from './running-apps';

const success = <T>(data: T) => ({ status: 'success' as const, data });

/** FluxOS's API port, where a node's peers are reached (the explorer's node list carries bare IPs). */
const FLUX_API_PORT = 16127;

/** A peer as FluxOS lists it (`connectedPeersInfo`): where it is; ping figures are not measured here. */
const peerInfo = (n: ExplorerNode) => ({ ip: n.ip, port: FLUX_API_PORT, nodeId: n.nodeId, tier: n.tier, lastPingTime: null, latency: null });

/**
 * The node routes Flux's tools call on each node (FDM's health check of a node, fluxstats' crawl), in
 * FluxOS's shapes (`{status, data}`), on the agent's own address and port. What the agent holds it
 * answers itself (uptime, its benchmark, its containers); the chain and the app hashes it asks on the
 * bus (chain-indexer, app-registry). Peers: see `domain/peers.ts`.
 */
@Controller()
export class FluxNodeController {
  constructor(
    private readonly facts: NodeFacts,
    private readonly bench: NodeBenchmark,
    private readonly running: RunningApps,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
  ) {}

  /** Seconds the node's FluxOS (here: its agent) has been up. */
  @Get('flux/uptime')
  uptime() {
    return success(this.facts.uptime());
  }

  @Get('flux/isarcaneos')
  isArcaneOs() {
    return success(this.config.FLUX_ARCANE_OS);
  }

  @Get('flux/connectedpeersinfo')
  async connectedPeers() {
    return success((await this.facts.peers()).outgoing.map(peerInfo));
  }

  @Get('flux/incomingconnectionsinfo')
  async incomingConnections() {
    return success((await this.facts.peers()).incoming.map(peerInfo));
  }

  @Get('explorer/scannedheight')
  async scannedHeight() {
    const { generalScannedHeight } = await this.facts.chain();
    return success({ generalScannedHeight });
  }

  /**
   * fluxd's `getblockchaininfo`, the fields FDM and fluxstats read: the chain indexer follows fluxd to
   * its tip, so its height is both the node's blocks and headers.
   */
  @Get('daemon/getblockchaininfo')
  async blockchainInfo() {
    const chain = await this.facts.chain();
    return success(blockchainInfo(chain.generalScannedHeight, chain.hash));
  }

  @Get('apps/hashes')
  async hashes() {
    return success(await this.facts.hashes());
  }

  /** FluxOS's `getFluxInfo`: daemon, node, benchmark, flux and apps of this node. */
  @Get('flux/info')
  async info() {
    const [chain, nodes, hashes, runningapps] = await Promise.all([this.facts.chain(), this.facts.nodes(), this.facts.hashes(), this.running.list()]);
    const self = this.facts.self(nodes);
    const { outgoing, incoming } = peersOf(this.config.NODE_ID, nodes);
    const status = this.bench.getStatus();
    const bench = this.bench.benchmarking === 'complete' ? await this.bench.getBenchmarks(false) : null;
    return success({
      daemon: { info: { blocks: chain.generalScannedHeight, bestblockhash: chain.hash }, zmqEnabled: false },
      node: {
        status: self
          ? { status: 'CONFIRMED', collateral: self.collateral, txhash: self.txhash, outidx: self.outidx, ip: self.ip, tier: self.tier, confirmed_height: self.confirmedHeight, last_confirmed_height: self.lastConfirmedHeight }
          : { status: 'NOT_CONFIRMED' },
      },
      benchmark: { status, bench },
      flux: {
        version: this.config.FLUX_VERSION,
        ip: `${this.config.NODE_IP}:${this.config.HTTP_PORT}`,
        nodeId: this.config.NODE_ID,
        development: false,
        ...(this.config.FLUX_ARCANE_OS ? { arcaneVersion: this.config.FLUX_VERSION } : {}),
        explorerScannedHeigth: { generalScannedHeight: chain.generalScannedHeight },
        numberOfConnectionsOut: outgoing.length,
        numberOfConnectionsIn: incoming.length,
      },
      apps: { runningapps },
      appsHashesTotal: hashes.length,
      hashesPresent: hashes.filter((h) => h.message).length,
    });
  }
}

/** fluxd's `getblockchaininfo` at `height` (the fields a FluxOS client reads). */
export function blockchainInfo(height: number, bestblockhash: string | null) {
  return { chain: 'main', blocks: height, headers: height, bestblockhash, verificationprogress: 1 };
}
