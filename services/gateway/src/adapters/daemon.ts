import { Inject, Injectable } from '@nestjs/common';
import { FluxdRpcClient } from '@fluxplane/fluxd-rpc';
import { CONFIG } from '@fluxplane/service-kit';
import type { GatewayConfig } from '../config';

/** fluxd over JSON-RPC, for the `/daemon/*` routes and the current height. */
@Injectable()
export class Daemon {
  readonly rpc: FluxdRpcClient;
  constructor(@Inject(CONFIG) config: GatewayConfig) {
    this.rpc = new FluxdRpcClient({ url: config.FLUXD_RPC_URL, user: config.FLUXD_RPC_USER, password: config.FLUXD_RPC_PASSWORD });
  }
}
