import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Refusal } from '@fluxplane/contracts';
import { FluxError, LOGGER, Logger, refusalBody, statusName } from '@fluxplane/service-kit';
import { failure, GATEWAY_REFUSALS, httpStatusOf } from './envelope';

/**
 * A NATS request that found no backend: a timeout, no responders (the service is down: NATS answers
 * at once; this used to fall through to a 500 InternalError), or the connection to NATS lost.
 */
function isBackendUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: unknown; cause?: { name?: string } } | undefined;
  if (e?.code === 'TIMEOUT' || /timeout/i.test(String(e?.message))) return true;
  const names = [e?.name, e?.cause?.name];
  return names.some((n) => n === 'TimeoutError' || n === 'NoResponders' || n === 'ClosedConnectionError')
    || (e?.name === 'RequestError' && /no responders|disconnected|closed/i.test(String(e.message)));
}

/**
 * `BadRequestException` → `BadRequest`; the generic `HttpException` (Nest's wrapper of Fastify's
 * body errors, e.g. unparseable JSON) is named by its status instead (`BadRequest`, not `Http`).
 */
function httpErrorName(name: string, status: number): string {
  if (name !== 'HttpException') return name.replace(/Exception$/, '');
  return statusName(status);
}

/** Every failure leaves the gateway as a Flux error envelope naming what was wrong. */
@Catch()
export class FluxErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status = 200;
    let body;
    if (err instanceof Refusal) {
      // The gateway's own domain decisions (spec verification): mapped to the wire here, at the edge.
      const { code, name, message } = refusalBody(err, GATEWAY_REFUSALS);
      body = failure(code, name, message);
    } else if (err instanceof FluxError && err.code === 500) {
      // A backend's catch-all (service-kit Responder): its message is whatever the backend threw
      // (Postgres errors with hosts and users, stack fragments). Logged here, never sent to the public.
      this.logger.error({ err: err.message }, 'a backing service failed');
      body = failure(500, 'InternalError', 'internal error in a backing service');
    } else if (err instanceof FluxError) {
      // The gateway's own error answers, and a backend's error replies passed through.
      status = httpStatusOf(err.code);
      body = failure(err.code, err.name, err.message);
    } else if (err instanceof HttpException) {
      status = err.getStatus();
      const r = err.getResponse();
      const message = typeof r === 'string' ? r : String((r as { message?: unknown }).message ?? err.message);
      body = failure(status, httpErrorName(err.name, status), message);
    } else if ((err as { statusCode?: number })?.statusCode) {
      // Fastify's own errors: body too large, bad content type, unparseable JSON.
      const e = err as { statusCode: number; message: string };
      status = e.statusCode;
      body = failure(e.statusCode, statusName(e.statusCode), e.message);
    } else if (isBackendUnavailable(err)) {
      status = 503;
      body = failure(503, 'ServiceUnavailable', 'a backing service did not answer in time');
    } else {
      this.logger.error({ err: String((err as Error)?.stack ?? err) }, 'unhandled gateway error');
      status = 500;
      body = failure(500, 'InternalError', 'internal error');
    }
    void reply.status(status).send(body);
  }
}
