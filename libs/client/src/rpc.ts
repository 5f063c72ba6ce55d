import type { NatsConnection } from '@nats-io/transport-node';
import { Reply, type ParsedReplyOf, type RequestOf, type RpcDefinition } from '@fluxplane/contracts';
import type { z } from 'zod';

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * A command or query that did not answer its reply: refused by the responder (its Flux error body
 * `{code, name, message}`), or a malformed request or reply (400 / 502, naming each bad field).
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(readonly code: number, readonly errorName: string, message: string, readonly subject: string) {
    super(message);
  }
}

function issues(error: z.ZodError, prefix: string): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
}

/** Sends a request to the definition's subject and answers the validated reply (see RpcError). */
export async function request<D extends RpcDefinition>(nc: NatsConnection, def: D, req: RequestOf<D>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ParsedReplyOf<D>> {
  const checked = def.request.safeParse(req);
  if (!checked.success) throw new RpcError(400, 'BadRequest', `invalid request for ${def.subject}: ${issues(checked.error, 'request')}`, def.subject);
  const msg = await nc.request(def.subject, JSON.stringify(req), { timeout: timeoutMs });
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    throw new RpcError(502, 'BadGateway', `malformed reply on ${def.subject}: not JSON`, def.subject);
  }
  const envelope = Reply.safeParse(raw);
  if (!envelope.success) throw new RpcError(502, 'BadGateway', `malformed reply on ${def.subject}: ${issues(envelope.error, 'reply')}`, def.subject);
  if (envelope.data.status === 'error') {
    const { code, name, message } = envelope.data.data;
    throw new RpcError(code, name, message, def.subject);
  }
  const data = def.reply.safeParse(envelope.data.data);
  if (!data.success) throw new RpcError(502, 'BadGateway', `invalid reply on ${def.subject}: ${issues(data.error, 'data')}`, def.subject);
  return data.data as ParsedReplyOf<D>;
}
