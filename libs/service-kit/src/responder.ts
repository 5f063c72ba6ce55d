import { Inject, Injectable } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { EventStore } from '@fluxplane/eventstore';
import { Refusal, type ErrorBody, type ParsedRequestOf, type Reply, type ReplyOf, type RpcDefinition } from '@fluxplane/contracts';
import type { Logger } from 'pino';
import { errorText } from '@fluxplane/observability';
import { FluxError, refusalBody } from './flux-error';
import { badRequest, describeIssues } from './issues';
import { LOGGER, SERVICE_NAME } from './tokens';

/**
 * Whether a responder checks its own replies against their definitions. On by default: a reply that
 * breaks its contract is a bug of this service, better answered as a 500 that names the field here
 * than as a 502 at every caller. `RPC_CHECK_REPLIES=false` (or NODE_ENV=production) skips the cost.
 */
function checkRepliesByDefault(): boolean {
  const flag = process.env.RPC_CHECK_REPLIES;
  if (flag !== undefined) return flag !== 'false';
  return process.env.NODE_ENV !== 'production';
}

/** What a handler may know of the request besides its body. */
export interface RequestContext {
  /** The reply subject: on a bus with identities, under the caller's own inbox (`replyIsNodes`). */
  reply?: string;
}

type Handler<D extends RpcDefinition> = (req: ParsedRequestOf<D>, ctx: RequestContext) => Promise<ReplyOf<D>> | ReplyOf<D>;

/**
 * Serves commands and queries over NATS request/reply, as their contract definitions say: requests
 * are validated (a bad one is a 400 naming each field), a thrown `Refusal` becomes the error body its
 * command declares, and the reply is Flux's `{status, data}` envelope. A queue group per service
 * spreads load over replicas.
 */
@Injectable()
export class Responder {
  private readonly subs: Subscription[] = [];
  checkReplies = checkRepliesByDefault();

  constructor(
    private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  serve<D extends RpcDefinition>(def: D, handler: Handler<D>): void {
    const sub = this.store.nc.subscribe(def.subject, { queue: this.service });
    this.subs.push(sub);
    void (async () => {
      for await (const msg of sub) void this.answer(msg, def, handler);
    })();
  }

  private async answer<D extends RpcDefinition>(msg: Msg, def: D, handler: Handler<D>) {
    let reply: Reply;
    try {
      reply = { status: 'success', data: await this.handle(msg, def, handler) };
    } catch (err) {
      reply = { status: 'error', data: this.errorBody(err, def) };
    }
    if (msg.reply) this.send(msg, reply, def.subject);
  }

  private async handle<D extends RpcDefinition>(msg: Msg, def: D, handler: Handler<D>) {
    let body: unknown;
    try {
      body = msg.data.length ? msg.json() : {};
    } catch {
      throw new FluxError(400, 'BadRequest', 'request body is not valid JSON');
    }
    const parsed = def.request.safeParse(body);
    if (!parsed.success) throw badRequest(parsed.error);
    const data = await handler(parsed.data as ParsedRequestOf<D>, { reply: msg.reply });
    if (this.checkReplies) {
      const checked = def.reply.safeParse(data);
      if (!checked.success) throw new Error(`reply on ${def.subject} breaks its contract: ${describeIssues(checked.error, 'data')}`);
    }
    return data;
  }

  private errorBody(err: unknown, def: RpcDefinition): ErrorBody {
    if (err instanceof Refusal) return refusalBody(err, def.refusals);
    if (err instanceof FluxError) return err.body;
    this.logger.error({ err, subject: def.subject }, 'request handler failed');
    return { code: 500, name: 'InternalError', message: errorText(err) };
  }

  /**
   * Publishing can throw (a reply above the server's max_payload, a closed connection): this runs
   * detached, so an exception here was an unhandled rejection that brought the whole service down.
   * Answer a small error instead, so the caller learns why rather than timing out.
   */
  private send(msg: Msg, reply: Reply, subject: string): void {
    try {
      msg.respond(JSON.stringify(reply));
    } catch (err) {
      this.logger.error({ err, subject }, 'could not send reply');
      try {
        msg.respond(JSON.stringify({ status: 'error', data: { code: 500, name: 'ReplyTooLarge', message: `reply could not be sent: ${errorText(err)}` } }));
      } catch {
        // connection closed: nothing left to tell the caller
      }
    }
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
