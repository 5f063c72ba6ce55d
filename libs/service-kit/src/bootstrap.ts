import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, Type } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';
import { BaseConfig, ConfigError } from './config';
import { NestPinoLogger } from './logger';
import { httpDurationHistogram } from './metrics';

export interface StartOptions {
  module: Type<unknown> | DynamicModule;
  config: BaseConfig;
  logger: Logger;
  /** Largest accepted request body. */
  bodyLimitBytes?: number;
  /** Extra setup on the HTTP app before it listens (routes docs, plugins). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/**
 * Builds and starts a service's NestJS app on Fastify: pino logs, shutdown on SIGTERM/SIGINT with
 * a deadline (draining NATS and closing Postgres through the kit's lifecycle), listening on the
 * configured address.
 */
export async function startService(opts: StartOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024, trustProxy: true, frameworkErrors: answerFrameworkError });
  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, {
    logger: new NestPinoLogger(opts.logger),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const durations = httpDurationHistogram();
  adapter.getInstance().addHook('onResponse', async (req, reply) => {
    durations.observe({ method: req.method, route: req.routeOptions?.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  const removeDeadline = exitAfterShutdownDeadline(opts.config.SHUTDOWN_TIMEOUT_MS, opts.logger);
  // A closed app leaves no listeners behind (tests start many services in one process).
  adapter.getInstance().addHook('onClose', async () => removeDeadline());
  await opts.configure?.(app);
  await app.listen(opts.config.HTTP_PORT, opts.config.HTTP_HOST);
  opts.logger.info({ url: await app.getUrl() }, 'listening');
  return app;
}

/**
 * Errors Fastify's router raises before any handler (a malformed URL escape, a path parameter over
 * the length limit) leave in the same `{status:'error', data:{code, name, message}}` envelope as
 * every other error, instead of Fastify's own shape.
 */
function answerFrameworkError(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const code = error.statusCode ?? 400;
  void reply.status(code).send({ status: 'error', data: { code, name: statusName(code), message: error.message } });
}

/** An HTTP status as an error name: 400 → `BadRequest`, 414 → `URITooLong`. */
export function statusName(code: number): string {
  return (STATUS_CODES[code] ?? 'Error').replace(/[^A-Za-z]/g, '');
}

/** A deadline on shutdown, so a stuck dependency cannot keep a stopping process alive forever. */
function exitAfterShutdownDeadline(timeoutMs: number, logger: Logger): () => void {
  const arm = () => {
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, timeoutMs).unref();
  };
  const signals = ['SIGTERM', 'SIGINT'] as const;
  for (const signal of signals) process.once(signal, arm);
  return () => { for (const signal of signals) process.off(signal, arm); };
}

/** For `main.ts`: a config error prints its message and exits 78 (EX_CONFIG); anything else 1. */
export function fatal(err: unknown, logger?: Logger): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  if (logger) logger.fatal({ err }, 'failed to start');
  else process.stderr.write(`failed to start: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
}
