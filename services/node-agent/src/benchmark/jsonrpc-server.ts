import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readRequestBody } from '@fluxplane/fluxd-rpc';
import { errorText, type Logger } from '@fluxplane/service-kit';
import { BENCH_VERSION } from './fluxbench-reply';
import type { NodeBenchmark } from './node-benchmark';

/** A JSON-RPC call as fluxd/fluxbenchd clients send it (1.0 or 2.0; params positional or absent). */
const RpcCall = z.object({
  jsonrpc: z.string().optional(),
  method: z.string().min(1).max(100),
  params: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
});

const MAX_BODY_BYTES = 64 * 1024;

/** JSON-RPC error codes (the spec's, as fluxd uses them). */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

type Answer = { result: unknown; error: null | { code: number; message: string }; id: unknown };

/**
 * fluxbenchd's JSON-RPC endpoint on the node (FluxOS calls it on 16224): POST a call, get
 * `{result, error, id}`. Answers `getbenchmarks`, `getstatus` and `getinfo` (method names
 * case-insensitive, as fluxbenchd's). Bound to the node's own address: agents sharing a machine
 * each have theirs.
 */
export class FluxBenchRpcServer {
  private server?: Server;

  constructor(private readonly bench: NodeBenchmark, private readonly logger: Logger) {}

  /** Listens; answers the bound port. */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, { result: null, error: { code: INVALID_REQUEST, message: 'JSON-RPC calls are POSTed' }, id: null });
    let raw: string;
    try {
      raw = await readRequestBody(req, MAX_BODY_BYTES);
    } catch (err) {
      return send(res, 413, { result: null, error: { code: INVALID_REQUEST, message: errorText(err) }, id: null });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 200, { result: null, error: { code: PARSE_ERROR, message: 'body is not valid JSON' }, id: null });
    }
    const call = RpcCall.safeParse(body);
    if (!call.success) {
      const issues = call.error.issues.map((i) => `${i.path.join('.') || 'call'}: ${i.message}`).join('; ');
      return send(res, 200, { result: null, error: { code: INVALID_REQUEST, message: `invalid JSON-RPC call: ${issues}` }, id: null });
    }
    const id = call.data.id ?? null;
    try {
      const result = await this.dispatch(call.data.method.toLowerCase(), res);
      if (result === NOT_FOUND) return send(res, 200, { result: null, error: { code: METHOD_NOT_FOUND, message: `Method not found: ${call.data.method}` }, id });
      return send(res, 200, { result, error: null, id });
    } catch (err) {
      this.logger.error({ err, method: call.data.method }, 'FluxBench RPC call failed');
      return send(res, 200, { result: null, error: { code: INTERNAL_ERROR, message: errorText(err) }, id });
    }
  }

  private async dispatch(method: string, res: ServerResponse): Promise<unknown> {
    switch (method) {
      case 'getbenchmarks': return this.bench.getBenchmarks(false);
      case 'getstatus': return this.bench.getStatus();
      case 'getinfo': return { version: BENCH_VERSION, rpcport: (res.socket?.localPort ?? 0) };
      default: return NOT_FOUND;
    }
  }
}

const NOT_FOUND = Symbol('method not found');

function send(res: ServerResponse, status: number, answer: Answer): void {
  const body = JSON.stringify(answer);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
