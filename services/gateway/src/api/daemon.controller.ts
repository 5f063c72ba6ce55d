import { Inject } from '@nestjs/common';
import { z } from 'zod';
import { RpcUnavailableError } from '@fluxplane/fluxd-rpc';
import { FluxError, LOGGER, type Logger } from '@fluxplane/service-kit';
import { Daemon } from '../adapters/daemon';
import { success } from './envelope';
import { FluxController, FluxGet } from './openapi';

@FluxController('daemon')
export class DaemonController {
  constructor(private readonly daemon: Daemon, @Inject(LOGGER) private readonly logger: Logger) {}

  @FluxGet('getblockcount', { summary: "fluxd's block count (HTTP 503 with a DaemonUnavailable error when fluxd does not answer)", reply: z.number().int() })
  async blockCount() {
    try {
      return success(await this.daemon.rpc.getBlockCount());
    } catch (err) {
      if (err instanceof RpcUnavailableError) {
        // The RPC error names fluxd's URL (an internal address, possibly with credentials): logged,
        // not answered. HTTP 503 like every other backing service that does not answer (was 200).
        this.logger.warn({ err: err.message }, 'fluxd is not reachable');
        throw new FluxError(503, 'DaemonUnavailable', 'fluxd is not reachable');
      }
      throw err;
    }
  }
}
