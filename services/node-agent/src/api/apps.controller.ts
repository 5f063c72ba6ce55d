import { Controller, Get } from '@nestjs/common';
import { RunningApps } from './running-apps';

/**
 * FluxOS's container listings, so tools that ask a Flux node what it runs (FDM, master election
 * checks) can ask an agent: Docker's list entries, named `/flux<component>_<app>` as FluxOS names
 * them, in Flux's `{status, data}` envelope.
 */
@Controller('apps')
export class AppsController {
  constructor(private readonly apps: RunningApps) {}

  @Get('listrunningapps')
  async listRunningApps() {
    return { status: 'success', data: await this.apps.list() };
  }

  @Get('listallapps')
  async listAllApps() {
    return { status: 'success', data: await this.apps.list({ all: true }) };
  }
}
