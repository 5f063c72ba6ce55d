import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { EVENT_STREAM, type EventType, type ParsedReplyOf, type RequestOf, type RpcDefinition } from '@fluxplane/contracts';
import { DEFAULT_TIMEOUT_MS, request } from './rpc';
import { subscribe, type SubscribeOptions, type Subscription } from './subscribe';

export interface FluxplaneClientOptions {
  /** NATS server(s), e.g. `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  /** More connection options (credentials, inbox prefix, name). */
  connectOptions?: Partial<NodeConnectionOptions>;
  /** Use this connection instead (the client never closes it). */
  connection?: NatsConnection;
  /** The event stream (default FLUXPLANE_EVENTS). */
  stream?: string;
  /** Timeout of queries and commands (default 15 s). */
  timeoutMs?: number;
}

/**
 * A consumer's handle on fluxplane: typed event subscriptions on the JetStream event stream, and
 * the control plane's queries and commands (`Rpc` in `@fluxplane/contracts`), validated both ways.
 */
export class FluxplaneClient {
  private readonly subscriptions = new Set<Subscription>();

  private constructor(readonly nc: NatsConnection, private readonly owns: boolean, private readonly opts: FluxplaneClientOptions) {}

  static async connect(opts: FluxplaneClientOptions = {}): Promise<FluxplaneClient> {
    if (opts.connection) return new FluxplaneClient(opts.connection, false, opts);
    const nc = await connect({ servers: opts.servers ?? 'nats://127.0.0.1:4222', name: 'fluxplane-client', maxReconnectAttempts: -1, ...opts.connectOptions });
    return new FluxplaneClient(nc, true, opts);
  }

  /** Events by type, in stream order; see SubscribeOptions (resume point, durable or ephemeral, invalid messages). */
  async subscribe<T extends EventType>(opts: SubscribeOptions<T>): Promise<Subscription> {
    const sub = await subscribe(this.nc, opts, this.opts.stream ?? EVENT_STREAM);
    this.subscriptions.add(sub);
    void sub.closed.finally(() => this.subscriptions.delete(sub));
    return sub;
  }

  /** Asks a query (`Rpc.appSpecs`, `Rpc.appLocations`, ...) and answers its validated reply; throws RpcError. */
  query<D extends RpcDefinition>(def: D, req: RequestOf<D>): Promise<ParsedReplyOf<D>> {
    if (def.kind !== 'query') return Promise.reject(new Error(`${def.subject} is a ${def.kind}, not a query`));
    return request(this.nc, def, req, this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** Sends a command (`Rpc.submitAppMessage`) and answers its validated reply; a refusal is an RpcError with the command's code. */
  command<D extends RpcDefinition>(def: D, req: RequestOf<D>): Promise<ParsedReplyOf<D>> {
    if (def.kind !== 'command') return Promise.reject(new Error(`${def.subject} is a ${def.kind}, not a command`));
    return request(this.nc, def, req, this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  /** Stops every subscription, then closes the connection if the client opened it. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    if (this.owns && !this.nc.isClosed()) await this.nc.drain();
  }
}
