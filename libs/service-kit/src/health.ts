import { Controller, Get, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

export type HealthCheck = () => Promise<void> | void;

/** Named liveness/readiness checks; each throws when its dependency is not usable. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }
  async run(): Promise<{ ok: boolean; checks: Record<string, { status: 'up' | 'down'; error?: string }> }> {
    const out: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    let ok = true;
    for (const [name, check] of this.checks) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([check(), new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timed out after 2s')), 2000); })]);
        out[name] = { status: 'up' };
      } catch (err) {
        ok = false;
        out[name] = { status: 'down', error: String((err as Error)?.message ?? err) };
      } finally {
        clearTimeout(timer); // a pending timer per check would hold a stopping process for 2 s
      }
    }
    return { ok, checks: out };
  }
}

@Controller()
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('health')
  async health(@Res() reply: FastifyReply) {
    const r = await this.registry.run();
    await reply.status(r.ok ? 200 : 503).send({ status: r.ok ? 'ok' : 'error', checks: r.checks });
  }
}
