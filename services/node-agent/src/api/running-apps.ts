import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { errorText } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime, type ContainerSummary } from '../adapters/container-runtime';
import { fluxContainerName, Labels } from '../domain/naming';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/**
 * This node's containers as FluxOS lists them (`/apps/listrunningapps`, `/apps/listallapps`): Docker's
 * list entries, named the FluxOS way. The engine's names carry a node suffix (agents may share one
 * engine), so `Names` is rewritten from the labels to `/flux<component>_<app>`, which is what FDM
 * matches exactly to find a `g:` app's master.
 */
@Injectable()
export class RunningApps {
  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
  ) {}

  async list(opts: { all?: boolean } = {}): Promise<Array<Record<string, unknown>>> {
    let containers: ContainerSummary[];
    try {
      containers = await this.runtime.list({ [Labels.node]: this.config.NODE_ID });
    } catch (err) {
      throw new ServiceUnavailableException({ status: 'error', data: { code: 503, name: 'DockerUnavailable', message: errorText(err) } });
    }
    return containers.filter((c) => opts.all || c.state === 'running').map(asFluxOs);
  }
}

/** Docker's entry with FluxOS's name (labels are the truth; a container without them keeps its names). */
export function asFluxOs(c: ContainerSummary): Record<string, unknown> {
  const app = c.labels[Labels.app];
  const component = c.labels[Labels.component];
  if (!app || !component) return c.raw;
  return { ...c.raw, Names: [`/${fluxContainerName(component, app)}`] };
}
