import { Body, Query, Res } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { limits, SpecWarning } from '@fluxplane/flux-spec';
import { SpecChecks } from '../spec/spec-checks';
import { deploymentInformation } from '../spec/deployment-information';
import { parseBody, parseQuery } from './body';
import { success } from './envelope';
import { RulesHeightQuery, SpecBody } from './schemas';
import { FluxController, FluxGet, FluxPost } from './openapi';
import { CalculatedPrice, DeploymentInformation } from './replies';

/**
 * Warnings (what formatting changed, what would fail at install time) travel in this response header
 * as a JSON array: FluxOS's verify answer is `{status:'success', data:<formatted spec>}` and its
 * clients compare `data` with what they sent, so an extra field in the body could break them.
 */
export const WARNINGS_HEADER = 'x-flux-warnings';

/** Keeps the header well under common client limits (undici: 16 KiB for all headers). */
const MAX_WARNINGS_HEADER_CHARS = 8000;

function setWarnings(reply: FastifyReply, warnings: SpecWarning[]): void {
  if (warnings.length === 0) return;
  let list = warnings.map((w) => ({ rule: w.rule, path: w.path, message: w.message }));
  let json = JSON.stringify(list);
  while (json.length > MAX_WARNINGS_HEADER_CHARS && list.length > 1) {
    list = list.slice(0, -1);
    json = JSON.stringify(list);
  }
  // Header values must be Latin-1; spec text may not be.
  void reply.header(WARNINGS_HEADER, json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

const heightQuery = {
  name: 'height', required: false, description: 'rules height to verify at (default: the current rules height)',
  schema: { type: 'integer' as const, minimum: 0, maximum: 1e9 },
};

const formattedSpec = SpecBody.describe('the formatted spec');

/** FluxOS's spec routes: version, deployment information, verification and price. */
@FluxController('apps')
export class SpecController {
  constructor(private readonly checks: SpecChecks) {}

  @FluxGet('latestspecificationversion', { summary: 'Latest app specification version (8)', reply: z.number().int() })
  latestVersion() {
    return success(limits.LATEST_SPEC_VERSION);
  }

  @FluxGet('deploymentinformation', {
    summary: 'Prices, enforcement heights, pay-to address, port and instance limits at the current rules height', reply: DeploymentInformation,
  })
  async deploymentInformation() {
    const { height, rulesHeight, schedule } = await this.checks.prices();
    return success(deploymentInformation({ height, rulesHeight }, schedule));
  }

  @FluxPost('verifyappregistrationspecifications', {
    summary: 'Verify a spec for registration; answers the formatted spec, warnings in the x-flux-warnings header', body: SpecBody, reply: formattedSpec,
  })
  @ApiQuery(heightQuery)
  async verifyRegistration(@Body() body: unknown, @Query() query: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.verify('registration', body, query, reply);
  }

  @FluxPost('verifyappupdatespecifications', {
    summary: 'Verify a spec as an update of the registered app; answers the formatted spec, warnings in the x-flux-warnings header', body: SpecBody, reply: formattedSpec,
  })
  @ApiQuery(heightQuery)
  async verifyUpdate(@Body() body: unknown, @Query() query: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.verify('update', body, query, reply);
  }

  /** Both verify routes: validate body and `?height`, answer the formatted spec, warnings in a header. */
  private async verify(kind: 'registration' | 'update', body: unknown, query: unknown, reply: FastifyReply) {
    const spec = parseBody(body, SpecBody, 'spec');
    const { height } = parseQuery(query, RulesHeightQuery);
    const verdict = kind === 'registration' ? await this.checks.verifyRegistration(spec, height) : await this.checks.verifyUpdate(spec, height);
    setWarnings(reply, verdict.warnings);
    return success(verdict.spec);
  }

  @FluxPost('calculateprice', {
    summary: 'FLUX a payment in the next block must carry for this spec (registration, or update of a registered name)', body: SpecBody, reply: CalculatedPrice,
  })
  @ApiQuery({ ...heightQuery, description: 'rules height to price at, as in the verify routes (the payment lands in the block after it)' })
  async calculatePrice(@Body() body: unknown, @Query() query: unknown) {
    const spec = parseBody(body, SpecBody, 'spec');
    const { height } = parseQuery(query, RulesHeightQuery);
    const price = await this.checks.price(spec, height);
    // FluxOS's shape is {usd, flux, fluxDiscount}; there is no USD oracle here, so usd is null.
    return success({ usd: null, flux: price.flux, fluxDiscount: 0, perMonth: price.perMonth, kind: price.kind, height: price.height, rulesHeight: price.rulesHeight });
  }
}
