import { Param, Query } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { ExplorerNode, ExplorerPayment, Tier } from '@fluxplane/contracts';
import { FluxError } from '@fluxplane/service-kit';
import { ExplorerBackend } from '../adapters/explorer-backend';
import { success } from './envelope';
import { FluxController, FluxGet } from './openapi';
import { ScannedHeight } from './replies';

/**
 * Explorer routes, answered by chain-indexer. `/explorer/scannedheight` is FluxOS's own route and
 * answers like it (`{generalScannedHeight}`); FluxOS has no route for the other two, so they follow
 * its naming: `/explorer/fluxnodes[?tier=CUMULUS|NIMBUS|STRATUS]` (confirmed nodes with their tier
 * from the collateral) and `/explorer/apppayments/:appname` (the on-chain payments of the app's
 * message hashes).
 */
@FluxController('explorer')
export class ExplorerController {
  constructor(private readonly backend: ExplorerBackend) {}

  @FluxGet('scannedheight', { summary: 'The height of the last indexed block', reply: ScannedHeight })
  async scannedHeight() {
    const { generalScannedHeight } = await this.backend.scannedHeight();
    return success({ generalScannedHeight });
  }

  @FluxGet('fluxnodes', { summary: 'Confirmed nodes, with their tier from the collateral', reply: z.array(ExplorerNode) })
  @ApiQuery({ name: 'tier', required: false, description: 'only nodes of this tier (case-insensitive)', schema: { type: 'string', enum: [...Tier.options] } })
  async nodes(@Query('tier') tier?: string) {
    const parsed = tier === undefined ? undefined : Tier.safeParse(tier.toUpperCase());
    if (parsed && !parsed.success) throw new FluxError(400, 'BadRequest', `tier must be CUMULUS, NIMBUS or STRATUS, not ${tier}`);
    return success(await this.backend.nodes(parsed?.data));
  }

  @FluxGet('apppayments/:appname', { summary: "On-chain payments of the app's message hashes", reply: z.array(ExplorerPayment) })
  @ApiParam({ name: 'appname', description: 'application name: 1-63 letters or digits', schema: { type: 'string', pattern: '^[a-zA-Z0-9]{1,63}$' } })
  async appPayments(@Param('appname') appname: string) {
    if (!/^[a-zA-Z0-9]{1,63}$/.test(appname)) throw new FluxError(400, 'BadRequest', 'appname must be 1-63 letters or digits');
    return success(await this.backend.appPayments(appname));
  }
}
