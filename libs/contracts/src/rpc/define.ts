import { z } from 'zod';
import type { RefusalCodes } from '../refusal';

/**
 * One command or query: its NATS subject, the schema of its request and of its reply, declared
 * together so that no side can send or answer a shape the other does not expect. Both the client
 * (service-kit `RpcClient`) and the responder validate against these.
 */
export interface RpcDefinition<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'command' | 'query';
  readonly subject: string;
  readonly request: Req;
  readonly reply: Res;
  readonly refusals: RefusalCodes;
}

/** What a caller sends (before the responder's parsing: defaults may be left out). */
export type RequestOf<D extends RpcDefinition> = z.input<D['request']>;
/** What a handler receives once the request is validated. */
export type ParsedRequestOf<D extends RpcDefinition> = z.output<D['request']>;
/** What a handler answers (before validation). */
export type ReplyOf<D extends RpcDefinition> = z.input<D['reply']>;
/** What a caller receives once the reply is validated. */
export type ParsedReplyOf<D extends RpcDefinition> = z.output<D['reply']>;

/** A query refuses nothing: it answers, or its request was malformed. */
const NO_REFUSALS: RefusalCodes = { named: {}, otherwise: { code: 422, name: 'Refused' } };

export function defineQuery<Req extends z.ZodType, Res extends z.ZodType>(subject: string, request: Req, reply: Res): RpcDefinition<Req, Res> {
  return { kind: 'query', subject, request, reply, refusals: NO_REFUSALS };
}

export function defineCommand<Req extends z.ZodType, Res extends z.ZodType>(
  subject: string, request: Req, reply: Res, refusals: RefusalCodes,
): RpcDefinition<Req, Res> {
  return { kind: 'command', subject, request, reply, refusals };
}

/** A request with no parameters; unknown ones are tolerated (older callers sent `{}` or more). */
export const NoParameters = z.object({}).passthrough();
