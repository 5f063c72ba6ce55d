import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { ContainerSummary } from '../adapters/container-runtime';
import { CONTAINER_RUNTIME, type ContainerRuntime } from '../adapters/container-runtime';
import { Labels } from '../domain/naming';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/**
 * FluxOS's container listings, so tools that ask a Flux node what it runs (FDM, master election
 * checks) can ask an agent: Docker's list entries in Flux's `{status, data}` envelope.
 */
@Controller('apps')
export class AppsController {
  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
  ) {}

  @Get('listrunningapps')
  async listRunningApps() {
    const containers = await this.containers();
    return { status: 'success', data: containers.filter((c) => c.state === 'running').map((c) => c.raw) };
  }

  @Get('listallapps')
  async listAllApps() {
    const containers = await this.containers();
    return { status: 'success', data: containers.map((c) => c.raw) };
  }

  private async containers(): Promise<ContainerSummary[]> {
    try {
      return await this.runtime.list({ [Labels.node]: this.config.NODE_ID });
    } catch (err) {
      throw new ServiceUnavailableException({ status: 'error', data: { code: 503, name: 'DockerUnavailable', message: (err as Error).message } });
    }
  }
}
