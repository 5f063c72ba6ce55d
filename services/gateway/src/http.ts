import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import { LOGGER, type Logger } from '@fluxplane/service-kit';
import { failure } from './api/envelope';
import type { GatewayConfig } from './config';
import { setupDocs } from './docs';

/**
 * HTTP plumbing in front of the controllers: FluxOS clients post JSON as text too, so any content
 * type is read as text (the routes parse and validate it); a per-IP rate limit answers 429 in the
 * Flux error envelope; OpenAPI is served at `/docs`.
 */
export async function configureHttp(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(['text/plain', '*'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(rateLimit as never, {
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    allowList: (req: { url?: string }) => req.url === '/health' || req.url === '/metrics',
    // Keyed on the connecting address, not req.ip: the service kit trusts X-Forwarded-For, so any
    // client could make up a new "IP" per request and never be limited.
    keyGenerator: (req: { socket?: { remoteAddress?: string } }) => req.socket?.remoteAddress ?? 'unknown',
    errorResponseBuilder: (_req: unknown, ctx: { after: string }) => ({ statusCode: 429, ...failure(429, 'TooManyRequests', `rate limit exceeded, retry in ${ctx.after}`) }),
  });
  setupDocs(app);
  serveDashboard(app, config);
}

/**
 * The dashboard (apps/dashboard) as static files under `/dashboard/`. It routes in the URL's
 * fragment (`#/apps/x`), so every page is `index.html` and needs no fallback route here.
 */
function serveDashboard(app: NestFastifyApplication, config: GatewayConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(config.DASHBOARD_DIR, 'index.html'))) {
    app.get<Logger>(LOGGER).warn({ dir: config.DASHBOARD_DIR }, 'no built dashboard there (npm run build builds it): /dashboard/ is not served');
    return;
  }
  fastify.get('/dashboard', (_req, reply) => void reply.redirect('/dashboard/', 301));
  app.useStaticAssets({ root: config.DASHBOARD_DIR, prefix: '/dashboard/', index: 'index.html', maxAge: '1h' });
}
