import { Controller, Get, Injectable, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { errorText } from '@fluxplane/observability';

export type HealthCheck = () => Promise<void> | void;

/** A check that has not answered in this time counts as down (a hung dependency must not hang /health). */
const CHECK_TIMEOUT_MS = 2000;

/** Named liveness/readiness checks that services register; each throws when its dependency is not usable. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }
  entries(): Array<[string, HealthCheck]> {
    return [...this.checks];
  }
}

async function withTimeout(check: HealthCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS / 1000}s`)), CHECK_TIMEOUT_MS); }),
    ]);
  } finally {
    clearTimeout(timer); // a pending timer per check would hold a stopping process for 2 s
  }
}

/** @nestjs/terminus's answer: overall status, and each check's state under info/error/details. */
const HEALTH_SCHEMA = {
  type: 'object' as const,
  required: ['status'],
  properties: {
    status: { type: 'string' as const, enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object' as const, additionalProperties: { type: 'object' as const } },
    error: { type: 'object' as const, additionalProperties: { type: 'object' as const } },
    details: { type: 'object' as const, additionalProperties: { type: 'object' as const } },
  },
};

/**
 * `GET /health` through @nestjs/terminus: `{status:'ok'|'error', info, error, details}` with each
 * registered check as `{status:'up'}` or `{status:'down', error}`; HTTP 503 when any is down. The
 * body is sent here (not thrown) so that a service's own exception filter (the gateway's Flux
 * envelope) does not reshape it.
 */
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness and the state of each dependency' })
  @ApiOkResponse({ description: 'every check is up', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'a check is down', schema: HEALTH_SCHEMA })
  async check(@Res() reply: FastifyReply) {
    const checks = this.registry.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
      const indicator = this.indicators.check(name);
      try {
        await withTimeout(check);
        return indicator.up();
      } catch (err) {
        return indicator.down({ error: errorText(err) });
      }
    });
    try {
      await reply.status(200).send(await this.health.check(checks));
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      await reply.status(503).send(err.getResponse());
    }
  }
}
