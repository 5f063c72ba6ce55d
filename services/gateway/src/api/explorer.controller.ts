import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { Tier } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG } from '@fluxplane/service-kit';
import { ExplorerBackend } from '../adapters/explorer-backend';
import type { GatewayConfig } from '../config';
import { ApiError, success } from './envelope';

/**
 * Explorer routes, answered by chain-indexer. `/explorer/scannedheight` is FluxOS's own route and
 * answers like it (`{generalScannedHeight}`); FluxOS has no route for the other two, so they follow
 * its naming: `/explorer/fluxnodes[?tier=CUMULUS|NIMBUS|STRATUS]` (confirmed nodes with their tier
 * from the collateral) and `/explorer/apppayments/:appname` (the on-chain payments of the app's
 * message hashes).
 */
@Controller('explorer')
export class ExplorerController {
  private readonly backend: ExplorerBackend;

  // The backend is built here rather than provided, so the module only has to list this controller.
  constructor(store: EventStore, @Inject(CONFIG) config: GatewayConfig) {
    this.backend = new ExplorerBackend(store, config.REQUEST_TIMEOUT_MS);
  }

  @Get('scannedheight')
  async scannedHeight() {
    const { generalScannedHeight } = await this.backend.scannedHeight();
    return success({ generalScannedHeight });
  }

  @Get('fluxnodes')
  async nodes(@Query('tier') tier?: string) {
    const parsed = tier === undefined ? undefined : Tier.safeParse(tier.toUpperCase());
    if (parsed && !parsed.success) throw new ApiError(400, 'BadRequest', `tier must be CUMULUS, NIMBUS or STRATUS, not ${tier}`);
    return success(await this.backend.nodes(parsed?.data));
  }

  @Get('apppayments/:appname')
  async appPayments(@Param('appname') appname: string) {
    if (!/^[a-zA-Z0-9]{1,63}$/.test(appname)) throw new ApiError(400, 'BadRequest', 'appname must be 1-63 letters or digits');
    return success(await this.backend.appPayments(appname));
  }
}
