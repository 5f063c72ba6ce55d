import type { z } from 'zod';

/** Base class of every error the client throws. */
export abstract class FluxdRpcError extends Error {
  abstract readonly kind: 'unavailable' | 'malformed' | 'rpc';
  constructor(
    message: string,
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** fluxd could not be reached: connection refused/reset, DNS failure, timeout, or HTTP 401/403/5xx without a JSON-RPC body. */
export class RpcUnavailableError extends FluxdRpcError {
  readonly kind = 'unavailable' as const;
  constructor(
    message: string,
    method: string,
    readonly reason: 'connect' | 'timeout' | 'http',
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, method, options);
  }
}

/** fluxd answered, but not with what we expect: not JSON, a bad envelope, or a result that fails its schema. */
export class RpcMalformedError extends FluxdRpcError {
  readonly kind = 'malformed' as const;
  constructor(
    message: string,
    method: string,
    /** the dotted path of the first offending field ("result.tx[3].vout[0].valueSat"), or "" for the body */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, method, options);
  }
}

/** fluxd answered with a JSON-RPC error object, e.g. {code: -8, message: "Block height out of range"}. */
export class RpcError extends FluxdRpcError {
  readonly kind = 'rpc' as const;
  constructor(
    readonly code: number,
    readonly rpcMessage: string,
    method: string,
  ) {
    super(`${method}: fluxd error ${code}: ${rpcMessage}`, method);
  }
}

/** Well-known bitcoind/fluxd RPC error codes. */
export const RPC_ERROR_CODES = {
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  IN_WARMUP: -28,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  PARSE_ERROR: -32700,
} as const;

/** "tx[3].vout[0].valueSat" from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function malformedFromZod(method: string, error: z.ZodError, prefix: string): RpcMalformedError {
  const issue = error.issues[0];
  const path = formatPath(issue?.path ?? [], prefix);
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more issue(s))` : '';
  return new RpcMalformedError(
    `${method}: malformed answer at ${path || '<root>'}: ${issue?.message ?? 'invalid'}${more}`,
    method,
    path,
    { cause: error },
  );
}
