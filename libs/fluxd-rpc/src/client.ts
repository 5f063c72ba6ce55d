import { z } from 'zod';
import {
  blockCountSchema,
  blockSchema,
  chainTipsSchema,
  fluxnodeListSchema,
  hash256Schema,
  rpcReplySchema,
  type FluxdBlock,
  type FluxdChainTip,
  type FluxdFluxnodeListEntry,
} from './schemas';
import { errorText } from '@fluxplane/observability';
import { RpcError, RpcMalformedError, RpcUnavailableError, malformedFromZod, type FluxdRpcError } from './errors';

export interface FluxdRpcClientOptions {
  /** e.g. "http://127.0.0.1:16124/" (fluxd's mainnet RPC port is 16124) */
  url: string;
  /** HTTP basic auth (rpcuser/rpcpassword) */
  user?: string;
  password?: string;
  /** per HTTP request (a batch is one request); default 30 s */
  timeoutMs?: number;
  /** injectable for tests; defaults to the global fetch (undici keeps connections alive) */
  fetch?: typeof fetch;
}

/** One call of a batch: method, params and the schema its result must satisfy. */
export interface RpcCall<T> {
  method: string;
  params?: unknown[];
  schema: z.ZodType<T>;
}

export type RpcSettled<T> = { ok: true; value: T } | { ok: false; error: FluxdRpcError };

type Results<C extends readonly RpcCall<unknown>[]> = { [K in keyof C]: C[K] extends RpcCall<infer T> ? T : never };

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A fluxd JSON-RPC client. Every answer is validated; failures are typed
 * ({@link RpcUnavailableError}, {@link RpcMalformedError}, {@link RpcError}).
 */
export class FluxdRpcClient {
  private readonly url: string;
  private readonly authHeader: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private nextId = 1;

  constructor(options: FluxdRpcClientOptions) {
    this.url = options.url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.authHeader =
      options.user !== undefined
        ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`
        : undefined;
  }

  getBlockCount(): Promise<number> {
    return this.call('getblockcount', [], blockCountSchema);
  }

  getBestBlockHash(): Promise<string> {
    return this.call('getbestblockhash', [], hash256Schema);
  }

  getBlockHash(height: number): Promise<string> {
    return this.call('getblockhash', [height], hash256Schema);
  }

  /**
   * `getblock <hash|height> 2`: the block with full transaction objects. fluxd takes the first
   * parameter as a *string* (a hash, or a height in decimal), so heights are sent as strings.
   */
  getBlock(hashOrHeight: string | number): Promise<FluxdBlock> {
    return this.call('getblock', [String(hashOrHeight), 2], blockSchema);
  }

  /** Many blocks in one round trip (a JSON-RPC batch of `getblock <height> 2`); throws the first failure. */
  getBlocks(hashesOrHeights: ReadonlyArray<string | number>): Promise<FluxdBlock[]> {
    return this.batch(hashesOrHeights.map((h) => ({ method: 'getblock', params: [String(h), 2], schema: blockSchema })));
  }

  getChainTips(): Promise<FluxdChainTip[]> {
    return this.call('getchaintips', [], chainTipsSchema);
  }

  /** The confirmed fluxnodes, CUMULUS then NIMBUS then STRATUS, each in payment order. */
  viewDeterministicFluxnodeList(filter?: string): Promise<FluxdFluxnodeListEntry[]> {
    return this.call('viewdeterministicfluxnodelist', filter === undefined ? [] : [filter], fluxnodeListSchema);
  }

  /** Any method, with its result validated by `schema`. */
  async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    const id = this.nextId++;
    const body = await this.post(method, { jsonrpc: '1.0', id, method, params });
    return this.unwrap(method, body, schema, 'result', false);
  }

  /** A JSON-RPC batch (one HTTP request); results in call order; throws the first failure. */
  async batch<const C extends readonly RpcCall<unknown>[]>(calls: C): Promise<Results<C>>;
  async batch<T>(calls: ReadonlyArray<RpcCall<T>>): Promise<T[]>;
  async batch(calls: ReadonlyArray<RpcCall<unknown>>): Promise<unknown[]> {
    const settled = await this.batchSettled(calls);
    return settled.map((s) => {
      if (!s.ok) throw s.error;
      return s.value;
    });
  }

  /** A JSON-RPC batch whose calls succeed or fail one by one. Transport and envelope failures still throw. */
  async batchSettled<T>(calls: ReadonlyArray<RpcCall<T>>): Promise<RpcSettled<T>[]> {
    if (calls.length === 0) return [];
    const firstId = this.nextId;
    this.nextId += calls.length;
    const requests = calls.map((c, i) => ({ jsonrpc: '1.0', id: firstId + i, method: c.method, params: c.params ?? [] }));
    const label = `batch(${calls.length}×${calls[0]?.method ?? ''})`;
    const body = await this.post(label, requests);
    if (!Array.isArray(body)) {
      // bitcoind answers a batch with an array; a single error object means the batch itself was rejected
      const parsed = rpcReplySchema.safeParse(body);
      if (parsed.success && parsed.data.error) throw new RpcError(parsed.data.error.code, parsed.data.error.message, label);
      throw new RpcMalformedError(`${label}: expected an array of replies`, label, '');
    }
    const byId = new Map<unknown, unknown>();
    body.forEach((reply: unknown, i) => {
      const parsed = rpcReplySchema.safeParse(reply);
      if (!parsed.success) throw malformedFromZod(label, parsed.error, `[${i}]`);
      byId.set(parsed.data.id, reply);
    });
    return calls.map((call, i) => {
      const reply = byId.get(firstId + i);
      if (reply === undefined) {
        return { ok: false as const, error: new RpcMalformedError(`${call.method}: no reply with id ${firstId + i} in the batch`, call.method, `[${i}]`) };
      }
      try {
        return { ok: true as const, value: this.unwrap(call.method, reply, call.schema, `[${i}].result`, true) };
      } catch (error) {
        return { ok: false as const, error: error as FluxdRpcError };
      }
    });
  }

  private unwrap<T>(method: string, body: unknown, schema: z.ZodType<T>, resultPath: string, inBatch: boolean): T {
    const envelope = rpcReplySchema.safeParse(body);
    if (!envelope.success) throw malformedFromZod(method, envelope.error, inBatch ? resultPath.replace(/\.result$/, '') : '');
    const { error, result } = envelope.data;
    if (error) throw new RpcError(error.code, error.message, method);
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw malformedFromZod(method, parsed.error, resultPath);
    return parsed.data;
  }

  private async post(method: string, payload: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.authHeader) headers.authorization = this.authHeader;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(method, error, this.url, this.timeoutMs);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      // bitcoind sends JSON for RPC errors (HTTP 500/404); a non-JSON answer is either an HTTP-level
      // refusal (401 auth, 403, 503 overloaded) or something that is not fluxd at all.
      if (response.status === 401 || response.status === 403 || response.status >= 500) {
        throw new RpcUnavailableError(
          `${method}: HTTP ${response.status} from ${this.url}${response.status === 401 ? ' (check rpc user/password)' : ''}`,
          method,
          'http',
          response.status,
        );
      }
      throw new RpcMalformedError(`${method}: answer is not JSON (HTTP ${response.status}): ${text.slice(0, 120)}`, method, '', { cause: error });
    }
    return body;
  }
}

function transportError(method: string, error: unknown, url: string, timeoutMs: number): RpcUnavailableError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RpcUnavailableError(`${method}: no answer from ${url} within ${timeoutMs} ms`, method, 'timeout', undefined, { cause: error });
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = cause?.code ?? cause?.message ?? errorText(error);
  return new RpcUnavailableError(`${method}: cannot reach fluxd at ${url}: ${detail}`, method, 'connect', undefined, { cause: error });
}
