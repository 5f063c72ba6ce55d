import { Inject, Injectable } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { EventStore } from '@fluxplane/eventstore';
import { Reply } from '@fluxplane/contracts';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LOGGER, SERVICE_NAME } from './tokens';

/** An error a handler throws to answer with a Flux-style error body. */
export class ReplyError extends Error {
  constructor(readonly code: number, override readonly name: string, message: string) {
    super(message);
  }
}

/**
 * Serves commands and queries over NATS request/reply. Requests are validated with the given schema;
 * the reply is Flux's `{status, data}` envelope. A queue group per service spreads load over replicas.
 */
@Injectable()
export class Responder {
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  serve<S extends z.ZodType>(subject: string, schema: S, handler: (req: z.infer<S>) => Promise<unknown>): void {
    const sub = this.store.nc.subscribe(subject, { queue: this.service });
    this.subs.push(sub);
    void (async () => {
      for await (const msg of sub) void this.answer(msg, schema, handler, subject);
    })();
  }

  private async answer<S extends z.ZodType>(msg: Msg, schema: S, handler: (req: z.infer<S>) => Promise<unknown>, subject: string) {
    let reply: Reply;
    try {
      let body: unknown;
      try {
        body = msg.data.length ? msg.json() : {};
      } catch {
        throw new ReplyError(400, 'BadRequest', 'request body is not valid JSON');
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ReplyError(400, 'BadRequest', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      }
      reply = { status: 'success', data: await handler(parsed.data) };
    } catch (err) {
      if (err instanceof ReplyError) {
        reply = { status: 'error', data: { code: err.code, name: err.name, message: err.message } };
      } else {
        this.logger.error({ err, subject }, 'request handler failed');
        reply = { status: 'error', data: { code: 500, name: 'InternalError', message: String((err as Error)?.message ?? err) } };
      }
    }
    if (!msg.reply) return;
    // Publishing can throw (a reply above the server's max_payload, a closed connection): this runs
    // detached, so an exception here was an unhandled rejection that brought the whole service down.
    // Answer a small error instead, so the caller learns why rather than timing out.
    try {
      msg.respond(JSON.stringify(reply));
    } catch (err) {
      this.logger.error({ err, subject }, 'could not send reply');
      try {
        msg.respond(JSON.stringify({ status: 'error', data: { code: 500, name: 'ReplyTooLarge', message: `reply could not be sent: ${String((err as Error)?.message ?? err)}` } }));
      } catch {
        // connection closed: nothing left to tell the caller
      }
    }
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}

/** Sends a request and unwraps the `{status, data}` reply; error replies become ReplyErrors. */
export async function request<T>(store: EventStore, subject: string, body: unknown, timeoutMs = 15_000): Promise<T> {
  const msg = await store.nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
  // A reply that is not JSON is as malformed as one that is not an envelope: a 502, not a SyntaxError.
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    throw new ReplyError(502, 'BadGateway', `malformed reply on ${subject}`);
  }
  const parsed = Reply.safeParse(raw);
  if (!parsed.success) throw new ReplyError(502, 'BadGateway', `malformed reply on ${subject}`);
  if (parsed.data.status === 'error') throw new ReplyError(parsed.data.data.code, parsed.data.data.name, parsed.data.data.message);
  return parsed.data.data as T;
}
