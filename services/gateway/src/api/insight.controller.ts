import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { ExplorerNode } from '@fluxplane/contracts';
import { ExplorerBackend } from '../adapters/explorer-backend';
import { jsonSchema } from './openapi';

/** insight-api's `/api/status` (`getInfo`): what the explorer's node reports, as Flux's tools read it. */
export const InsightStatus = z.object({
  info: z.object({
    /** fluxd's version: not known to the chain indexer (it follows fluxd by block), so null. */
    version: z.null(),
    protocolversion: z.null(),
    blocks: z.number().int(),
    /** the indexed tip */
    bestblockhash: z.string().nullable(),
    timeoffset: z.number().int(),
    connections: z.number().int(),
    proxy: z.string(),
    difficulty: z.null(),
    testnet: z.boolean(),
    relayfee: z.number(),
    errors: z.string(),
    network: z.string(),
  }),
});

/** One entry of insight's `/api/fluxnode/listfluxnodes` (fluxd's `listfluxnodes`), the fields the indexer has. */
export const InsightFluxnode = z.object({
  collateral: z.string(),
  txhash: z.string(),
  outidx: z.number().int(),
  ip: z.string(),
  network: z.string(),
  confirmed_height: z.number().int(),
  last_confirmed_height: z.number().int(),
  tier: z.string(),
  amount: z.string(),
});
export const InsightFluxnodes = z.object({ result: z.array(InsightFluxnode) });

function fluxnode(n: ExplorerNode): z.infer<typeof InsightFluxnode> {
  return {
    collateral: n.collateral, txhash: n.txhash, outidx: n.outidx, ip: n.ip, network: n.ip.includes(':') ? 'ipv6' : 'ipv4',
    confirmed_height: n.confirmedHeight, last_confirmed_height: n.lastConfirmedHeight, tier: n.tier, amount: (n.collateralSat / 1e8).toFixed(2),
  };
}

/**
 * The explorer routes Flux's tools call on an insight explorer (FDM's main load balancer takes its
 * node list from `/api/fluxnode/listfluxnodes`; fluxstats too), answered by the chain indexer in
 * insight's shapes: plain JSON, no Flux envelope.
 */
@ApiTags('explorer')
@Controller('api')
export class InsightController {
  constructor(private readonly backend: ExplorerBackend) {}

  @Get('status')
  @ApiOperation({ summary: "insight's status (getInfo): the indexed height and tip" })
  @ApiOkResponse({ description: "insight's answer (not a Flux envelope)", schema: jsonSchema(InsightStatus) })
  async status(): Promise<z.infer<typeof InsightStatus>> {
    const { generalScannedHeight, hash } = await this.backend.scannedHeight();
    return {
      info: {
        version: null, protocolversion: null, blocks: generalScannedHeight, bestblockhash: hash, timeoffset: 0, connections: 0,
        proxy: '', difficulty: null, testnet: false, relayfee: 0, errors: '', network: 'livenet',
      },
    };
  }

  @Get('fluxnode/listfluxnodes')
  @ApiOperation({ summary: "insight's confirmed fluxnode list" })
  @ApiOkResponse({ description: "insight's answer (not a Flux envelope)", schema: jsonSchema(InsightFluxnodes) })
  async listFluxnodes(): Promise<z.infer<typeof InsightFluxnodes>> {
    return { result: (await this.backend.nodes()).map(fluxnode) };
  }
}
