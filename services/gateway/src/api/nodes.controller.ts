import { z } from 'zod';
import { NetworkNode, Rpc } from '@fluxplane/contracts';
import { RpcClient } from '@fluxplane/service-kit';
import { success } from './envelope';
import { FluxController, FluxGet } from './openapi';

/** The node list of the dashboard (not a FluxOS route): the scheduler's view of every node. */
@FluxController('nodes')
export class NodesController {
  constructor(private readonly rpc: RpcClient) {}

  @FluxGet('', { summary: 'Every node the scheduler knows: tier, location, up or down, instances and resources placed on it', reply: z.array(NetworkNode) })
  async nodes() {
    return success(await this.rpc.call(Rpc.networkNodes, {}));
  }
}
