import type { NatsConnection } from '@nats-io/transport-node';
import { Reply, type ParsedReplyOf, type RequestOf, type RpcDefinition } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { FluxError } from './flux-error';
import { badRequest, describeIssues } from './issues';

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Sends a command or query and answers its validated reply. The request is checked against the
 * definition before it leaves (a 400 FluxError naming each field); an error reply becomes a
 * FluxError with the responder's body; a reply that is not JSON, not an envelope, or whose data does
 * not match the definition is a 502 `BadGateway` naming the subject and each bad field.
 */
export async function call<D extends RpcDefinition>(
  nc: NatsConnection, def: D, request: RequestOf<D>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): Promise<ParsedReplyOf<D>> {
  // Checked before it leaves: the same 400 the responder would answer, without the round trip (the
  // gateway passes URL parameters through, so this is how a bad one is named to the public).
  const req = def.request.safeParse(request);
  if (!req.success) throw badRequest(req.error);
  const msg = await nc.request(def.subject, JSON.stringify(request), { timeout: timeoutMs });
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    throw new FluxError(502, 'BadGateway', `malformed reply on ${def.subject}: not JSON`);
  }
  const envelope = Reply.safeParse(raw);
  if (!envelope.success) throw new FluxError(502, 'BadGateway', `malformed reply on ${def.subject}: ${describeIssues(envelope.error, 'reply')}`);
  if (envelope.data.status === 'error') {
    const { code, name, message } = envelope.data.data;
    throw new FluxError(code, name, message);
  }
  const data = def.reply.safeParse(envelope.data.data);
  if (!data.success) throw new FluxError(502, 'BadGateway', `invalid reply on ${def.subject}: ${describeIssues(data.error, 'data')}`);
  return data.data as ParsedReplyOf<D>;
}

/**
 * `call` on the service's NATS connection with one timeout. A service provides it with a factory
 * (its timeout comes from its config) and injects it where it asks.
 */
export class RpcClient {
  constructor(private readonly store: EventStore, private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {}

  call<D extends RpcDefinition>(def: D, request: RequestOf<D>): Promise<ParsedReplyOf<D>> {
    return call(this.store.nc, def, request, this.timeoutMs);
  }
}
