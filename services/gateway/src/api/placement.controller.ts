import { Body, Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { PlacementExplanation, Rpc } from '@fluxplane/contracts';
import { FluxError, RpcClient } from '@fluxplane/service-kit';
import { parseBody } from './body';
import { success } from './envelope';
import { FluxController, FluxGet, FluxPost } from './openapi';
import { SpecBody } from './schemas';

/**
 * "Why is my app not placed" (not a FluxOS route): the scheduler's answer, per placement rule, how many
 * nodes it ruled out, where each instance runs and why, and what it would place now; for a spec that is
 * not registered, the same as a dry run.
 */
@FluxController('apps')
export class PlacementController {
  constructor(private readonly rpc: RpcClient) {}

  @FluxGet('placement/:app', {
    summary: 'Why an app is (not) placed: nodes ruled out per rule (they add up to the node total), where each instance runs and why',
    reply: PlacementExplanation,
  })
  @ApiParam({ name: 'app', description: 'application name (case-insensitive)', schema: { type: 'string' } })
  async placement(@Param('app') app: string) {
    const answer = await this.rpc.call(Rpc.appPlacement, { app });
    if (!answer) throw new FluxError(404, 'NotFound', `the scheduler knows no app named ${app}`);
    return success(answer);
  }

  @FluxPost('placement', {
    summary: 'Dry run: where a spec that is not registered would be placed, and per rule how many nodes rule it out',
    body: SpecBody, bodyDescription: 'a Flux app specification (v1–v8)', reply: PlacementExplanation,
  })
  async dryRun(@Body() body: unknown) {
    const spec = parseBody(body, SpecBody, 'spec');
    return success(await this.rpc.call(Rpc.placementDryRun, { spec }));
  }
}
