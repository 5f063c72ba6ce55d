import { Controller, Get, Inject } from '@nestjs/common';
import { RpcUnavailableError } from '@fluxplane/fluxd-rpc';
import { LOGGER, type Logger } from '@fluxplane/service-kit';
import { Daemon } from '../adapters/daemon';
import { ApiError, success } from './envelope';

@Controller('daemon')
export class DaemonController {
  constructor(private readonly daemon: Daemon, @Inject(LOGGER) private readonly logger: Logger) {}

  @Get('getblockcount')
  async blockCount() {
    try {
      return success(await this.daemon.rpc.getBlockCount());
    } catch (err) {
      if (err instanceof RpcUnavailableError) {
        // The RPC error names fluxd's URL (an internal address, possibly with credentials): logged,
        // not answered. HTTP 503 like every other backing service that does not answer (was 200).
        this.logger.warn({ err: err.message }, 'fluxd is not reachable');
        throw new ApiError(503, 'DaemonUnavailable', 'fluxd is not reachable', 503);
      }
      throw err;
    }
  }
}
