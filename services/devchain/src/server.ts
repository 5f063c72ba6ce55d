import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readRequestBody } from '@fluxplane/fluxd-rpc';
import { errorText } from '@fluxplane/observability';
import { DevChain, DevChainError, DEVCHAIN_WALLET_ADDRESS } from './chain/model';
import { renderBlock, renderDeterministicList } from './chain/render';
import { COIN } from './chain/types';

/*
 * One HTTP server, two faces:
 * - JSON-RPC (fluxd/bitcoind style) on POST to any path outside /control: a single request object or a
 *   batch array. Replies are {result, error, id}; a single failed call answers HTTP 500 (404 for an
 *   unknown method, 400 for an invalid request) with the JSON error, like bitcoind; a batch is 200.
 * - The control API under /control (JSON in, JSON out; errors {error}), see README/report:
 *     GET  /control/status
 *     GET  /control/nodes                      the deterministic list (as viewdeterministicfluxnodelist)
 *     POST /control/nodes          {ip, collateral}           → 201 {nodeId, tier, collateralSat, collateralAddress, collateralTxid, startTxid, confirmTxid, ip}
 *     POST /control/nodes/expire   {nodeId}                   → 201 {txid}
 *     POST /control/payments       {hash, amount | amountSat, address?} → 201 {txid, address, amountSat}
 *     POST /control/softfork       {message}                  → 201 {txid, fundingTxid, address}
 *     POST /control/generate       {blocks, mix?: {registrations?, payments?, expiries?, seed?}} → 200 {generated, height, bestblockhash, elapsedMs, hashes?}
 *     POST /control/reorg          {depth, mode?: "remine"|"drop"} → 200 {forkHeight, depth, mode, oldTip, newTip, height, removed[], transactions}
 * Optional HTTP basic auth guards both.
 */

export interface DevchainServerOptions {
  chain: DevChain;
  host?: string;
  port?: number;
  /** auto-mining interval; 0 or undefined = no auto-mining */
  blockIntervalMs?: number;
  auth?: { user: string; password: string };
  log?: (line: string) => void;
}

export interface RunningDevchain {
  url: string;
  port: number;
  chain: DevChain;
  close(): Promise<void>;
}

class RpcFail extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 8 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// ------------------------------------------------------------------ JSON-RPC

function str(params: unknown[], i: number): string {
  const v = params[i];
  // bitcoind's UniValue::get_str() failure, reported as RPC_PARSE_ERROR by the server loop
  if (typeof v !== 'string') throw new RpcFail(-32700, 'JSON value is not a string as expected');
  return v;
}

function int(params: unknown[], i: number): number {
  const v = params[i];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RpcFail(-32700, 'JSON value is not an integer as expected');
  return v;
}

function rpcMethod(chain: DevChain, method: string, params: unknown[]): unknown {
  switch (method) {
    case 'getblockcount':
      return chain.height;
    case 'getbestblockhash':
      return chain.tip.hash;
    case 'getblockhash': {
      if (params.length !== 1) throw new RpcFail(-1, 'getblockhash index');
      const h = int(params, 0);
      if (h < 0 || h > chain.height) throw new RpcFail(-8, 'Block height out of range');
      return chain.blockAt(h)!.hash;
    }
    case 'getblock': {
      if (params.length < 1 || params.length > 2) throw new RpcFail(-1, 'getblock "hash|height" ( verbosity )');
      let id = str(params, 0);
      if (id.length < 64) {
        if (!/^\d+$/.test(id)) throw new RpcFail(-8, 'Invalid block height parameter');
        const h = Number(id);
        if (h > chain.height) throw new RpcFail(-8, 'Block height out of range');
        id = chain.blockAt(h)!.hash;
      }
      let verbosity = 1;
      if (params.length > 1) {
        const v = params[1];
        if (typeof v === 'number') verbosity = v;
        else if (typeof v === 'boolean') verbosity = v ? 1 : 0;
        else throw new RpcFail(-32700, 'JSON value is not a boolean as expected');
      }
      if (verbosity < 0 || verbosity > 2) throw new RpcFail(-8, 'Verbosity must be in range from 0 to 2');
      const block = chain.blockByHash(id.toLowerCase());
      if (!block) throw new RpcFail(-5, 'Block not found');
      if (verbosity === 0) throw new RpcFail(-1, 'devchain: verbosity 0 (raw block hex) is not supported');
      return renderBlock(chain, block, verbosity as 1 | 2);
    }
    case 'getchaintips':
      return chain.chainTips();
    case 'viewdeterministicfluxnodelist':
    case 'viewdeterministiczelnodelist':
    case 'listfluxnodes':
    case 'listzelnodes':
      if (params.length > 1) throw new RpcFail(-1, `${method} ( "filter" )`);
      return renderDeterministicList(chain, params.length === 1 ? str(params, 0) : '');
    case 'getrawmempool':
      return chain.mempoolTxids();
    case 'getblockchaininfo':
      return {
        chain: 'regtest',
        blocks: chain.height,
        headers: chain.height,
        bestblockhash: chain.tip.hash,
        difficulty: 1,
        verificationprogress: 1,
        chainwork: (chain.height + 1).toString(16).padStart(64, '0'),
        pruned: false,
      };
    case 'generate': {
      // regtest's generate
      const n = int(params, 0);
      if (n < 0 || n > 100_000) throw new RpcFail(-8, 'Invalid number of blocks');
      return chain.generate(n).map((b) => b.hash);
    }
    default:
      throw new RpcFail(-32601, 'Method not found');
  }
}

type RpcReply = { result: unknown; error: { code: number; message: string } | null; id: unknown };

function executeOne(chain: DevChain, request: unknown): RpcReply {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return { result: null, error: { code: -32600, message: 'Invalid Request object' }, id: null };
  }
  const r = request as { method?: unknown; params?: unknown; id?: unknown };
  const id = r.id ?? null;
  if (typeof r.method !== 'string') return { result: null, error: { code: -32600, message: 'Method must be a string' }, id };
  const params = r.params === undefined || r.params === null ? [] : r.params;
  if (!Array.isArray(params)) return { result: null, error: { code: -32600, message: 'Params must be an array' }, id };
  try {
    return { result: rpcMethod(chain, r.method, params), error: null, id };
  } catch (error) {
    if (error instanceof RpcFail) return { result: null, error: { code: error.code, message: error.message }, id };
    if (error instanceof DevChainError) return { result: null, error: { code: -8, message: error.message }, id };
    return { result: null, error: { code: -1, message: errorText(error) }, id };
  }
}

function httpStatusOf(code: number): number {
  if (code === -32600) return 400;
  if (code === -32601) return 404;
  return 500;
}

function handleRpc(chain: DevChain, body: string, res: ServerResponse): void {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    send(res, 500, { result: null, error: { code: -32700, message: 'Parse error' }, id: null });
    return;
  }
  if (Array.isArray(request)) {
    send(res, 200, request.map((r) => executeOne(chain, r)));
    return;
  }
  const reply = executeOne(chain, request);
  send(res, reply.error ? httpStatusOf(reply.error.code) : 200, reply);
}

// ------------------------------------------------------------------ control API

const nodeBody = z.object({
  ip: z.string().min(1).max(60),
  collateral: z.number().refine((v) => [1000, 12500, 40000, 10000, 25000, 100000].includes(v), 'collateral must be 1000, 12500 or 40000'),
});
const expireBody = z.object({ nodeId: z.string().regex(/^[0-9a-f]{64}:\d+$/, 'nodeId is the collateral outpoint "txid:n"') });
const paymentBody = z
  .object({
    hash: z.string().min(1).max(80),
    /** FLUX */
    amount: z.number().positive().optional(),
    amountSat: z.number().int().positive().optional(),
    address: z.string().optional(),
  })
  .refine((b) => (b.amount === undefined) !== (b.amountSat === undefined), 'give exactly one of amount (FLUX) or amountSat');
const softForkBody = z.object({ message: z.string().min(1).max(80) });
const generateBody = z.object({
  blocks: z.number().int().min(0).max(1_000_000),
  mix: z
    .object({
      registrations: z.number().min(0).max(100).optional(),
      payments: z.number().min(0).max(100).optional(),
      expiries: z.number().min(0).max(100).optional(),
      seed: z.number().int().optional(),
    })
    .optional(),
});
const reorgBody = z.object({ depth: z.number().int().min(1), mode: z.enum(['remine', 'drop']).optional() });

function parseJson<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new DevChainError('body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new DevChainError(`${i.path.join('.') || 'body'}: ${i.message}`);
  }
  return parsed.data;
}

function handleControl(chain: DevChain, method: string, path: string, body: string, res: ServerResponse, blockIntervalMs: number): void {
  try {
    if (method === 'GET' && path === '/control/status') {
      send(res, 200, {
        height: chain.height,
        bestblockhash: chain.tip.hash,
        mempool: chain.mempoolTxids().length,
        nodes: chain.deterministicList().length,
        blockIntervalMs,
        reorgMode: chain.reorgMode,
        appsAddress: chain.appsAddress,
        foundationAddress: chain.foundationAddress,
        walletAddress: DEVCHAIN_WALLET_ADDRESS,
      });
    } else if (method === 'GET' && path === '/control/nodes') {
      send(res, 200, renderDeterministicList(chain));
    } else if (method === 'POST' && path === '/control/nodes') {
      send(res, 201, chain.registerNode(parseJson(nodeBody, body)));
    } else if (method === 'POST' && path === '/control/nodes/expire') {
      send(res, 201, chain.expireNode(parseJson(expireBody, body).nodeId));
    } else if (method === 'POST' && path === '/control/payments') {
      const b = parseJson(paymentBody, body);
      const amountSat = b.amountSat ?? Math.round(b.amount! * COIN);
      const paid = chain.pay({ hash: b.hash, amountSat, ...(b.address ? { address: b.address } : {}) });
      send(res, 201, { ...paid, amountSat });
    } else if (method === 'POST' && path === '/control/softfork') {
      send(res, 201, chain.softFork(parseJson(softForkBody, body)));
    } else if (method === 'POST' && path === '/control/generate') {
      const b = parseJson(generateBody, body);
      const started = performance.now();
      const blocks = chain.generate(b.blocks, b.mix);
      send(res, 200, {
        generated: blocks.length,
        height: chain.height,
        bestblockhash: chain.tip.hash,
        elapsedMs: Math.round(performance.now() - started),
        ...(blocks.length <= 1000 ? { hashes: blocks.map((x) => x.hash) } : {}),
      });
    } else if (method === 'POST' && path === '/control/reorg') {
      const b = parseJson(reorgBody, body);
      send(res, 200, chain.reorg(b.depth, b.mode));
    } else {
      send(res, 404, { error: `no control route ${method} ${path}` });
    }
  } catch (error) {
    if (error instanceof DevChainError) send(res, error.status, { error: error.message });
    else send(res, 500, { error: errorText(error) });
  }
}

// ------------------------------------------------------------------ server

export async function startDevchainServer(options: DevchainServerOptions): Promise<RunningDevchain> {
  const { chain } = options;
  const log = options.log ?? (() => undefined);
  const blockIntervalMs = options.blockIntervalMs ?? 0;
  const expectedAuth = options.auth
    ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`
    : undefined;

  const server: Server = createServer((req, res) => {
    if (expectedAuth && req.headers.authorization !== expectedAuth) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
      res.end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    readRequestBody(req, MAX_BODY, 'request body too large').then(
      (body) => {
        if (path === '/control' || path.startsWith('/control/')) {
          handleControl(chain, req.method ?? 'GET', path.replace(/\/+$/, ''), body, res, blockIntervalMs);
        } else if (req.method === 'POST') {
          handleRpc(chain, body, res);
        } else {
          res.writeHead(405, { allow: 'POST' });
          res.end('JSONRPC server handles only POST requests');
        }
      },
      (error: Error) => send(res, 413, { error: error.message }),
    );
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 16124, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;

  let timer: NodeJS.Timeout | undefined;
  if (blockIntervalMs > 0) {
    timer = setInterval(() => {
      try {
        const block = chain.mineBlock();
        if (block.tx.length > 1) log(`mined block ${block.height} ${block.hash} with ${block.tx.length - 1} transaction(s)`);
      } catch (error) {
        log(`mining failed: ${errorText(error)}`);
      }
    }, blockIntervalMs);
    timer.unref();
  }

  return {
    url,
    port: address.port,
    chain,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (timer) clearInterval(timer);
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
