import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FluxdRpcClient, RpcError, RpcMalformedError, RpcUnavailableError, blockSchema, hash256Schema, isFluxnodeTx } from './index';

const HASH = 'a'.repeat(64);
const TXID = 'b'.repeat(64);

function block(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hash: HASH,
    confirmations: 1,
    size: 200,
    height: 7,
    version: 4,
    merkleroot: TXID,
    tx: [
      {
        txid: TXID,
        version: 4,
        overwintered: true,
        versiongroupid: '892f2085',
        locktime: 0,
        expiryheight: 0,
        vin: [{ coinbase: '0107', sequence: 4294967295 }],
        vout: [
          {
            value: 7.5,
            valueZat: 750000000,
            valueSat: 750000000,
            n: 0,
            scriptPubKey: { asm: 'OP_DUP', hex: '76', reqSigs: 1, type: 'pubkeyhash', addresses: ['t1abc'] },
          },
        ],
        vJoinSplit: [],
      },
      {
        txid: 'c'.repeat(64),
        version: 5,
        type: 'Confirming a fluxnode',
        collateral_output: 'COutPoint(bbbbbbbbbb, 0)',
        collateral: `COutPoint(${TXID}, 0)`,
        txhash: TXID,
        outidx: '0',
        sigtime: 1,
        sig: 'AA==',
        ip: '1.2.3.4:16127',
        update_type: 0,
        benchmark_tier: 'CUMULUS',
      },
    ],
    time: 1700000000,
    bits: '1f07ffff',
    difficulty: 1,
    chainwork: '00',
    previousblockhash: HASH,
    ...overrides,
  };
}

type Handler = (body: unknown, req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

async function stub(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(JSON.parse(Buffer.concat(chunks).toString() || 'null'), req, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('FluxdRpcClient', () => {
  it('sends JSON-RPC 1.0 with basic auth and a string height to getblock, and validates the block', async () => {
    let seen: { body: unknown; auth: string | undefined } | undefined;
    const url = await stub((body, req, res) => {
      seen = { body, auth: req.headers.authorization };
      json(res, 200, { result: block(), error: null, id: (body as { id: number }).id });
    });
    const client = new FluxdRpcClient({ url, user: 'u', password: 'p' });
    const b = await client.getBlock(7);
    expect(seen?.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(seen?.body).toMatchObject({ method: 'getblock', params: ['7', 2] });
    expect(b.height).toBe(7);
    const fluxnodeTx = b.tx[1]!;
    expect(fluxnodeTx.version).toBe(5);
    expect(isFluxnodeTx(fluxnodeTx) && fluxnodeTx.outidx).toBe(0);
  });

  it('names the offending path of a malformed answer', async () => {
    const bad = block();
    ((bad.tx as Array<{ vout?: Array<Record<string, unknown>> }>)[0]!.vout![0]!).valueSat = 'lots';
    const url = await stub((body, _req, res) => json(res, 200, { result: bad, error: null, id: (body as { id: number }).id }));
    const error = await new FluxdRpcClient({ url }).getBlock(HASH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcMalformedError);
    expect((error as RpcMalformedError).path).toBe('result.tx[0].vout[0].valueSat');
    expect((error as Error).message).toContain('result.tx[0].vout[0].valueSat');
  });

  it('reports a non-JSON body as malformed', async () => {
    const url = await stub((_b, _req, res) => {
      res.writeHead(200);
      res.end('<html>hello</html>');
    });
    await expect(new FluxdRpcClient({ url }).getBlockCount()).rejects.toBeInstanceOf(RpcMalformedError);
  });

  it('turns a JSON-RPC error object (HTTP 500, like bitcoind) into RpcError with code and message', async () => {
    const url = await stub((body, _req, res) =>
      json(res, 500, { result: null, error: { code: -8, message: 'Block height out of range' }, id: (body as { id: number }).id }),
    );
    const error = await new FluxdRpcClient({ url }).getBlockHash(99).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-8);
    expect((error as RpcError).rpcMessage).toBe('Block height out of range');
  });

  it('maps connection refused to RpcUnavailableError', async () => {
    const url = await stub(() => undefined);
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const error = await new FluxdRpcClient({ url }).getBlockCount().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect((error as RpcUnavailableError).reason).toBe('connect');
  });

  it('maps a request timeout to RpcUnavailableError', async () => {
    const url = await stub(() => undefined); // never answers
    const error = await new FluxdRpcClient({ url, timeoutMs: 100 }).getBlockCount().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect((error as RpcUnavailableError).reason).toBe('timeout');
  });

  it('maps HTTP 401 without a JSON body to RpcUnavailableError', async () => {
    const url = await stub((_b, _req, res) => {
      res.writeHead(401);
      res.end();
    });
    const error = await new FluxdRpcClient({ url }).getBlockCount().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect((error as RpcUnavailableError).httpStatus).toBe(401);
  });

  it('sends a batch as one array request and matches replies by id, whatever their order', async () => {
    let requests = 0;
    const url = await stub((body, _req, res) => {
      requests += 1;
      const calls = body as Array<{ id: number; params: [string, number] }>;
      const replies = calls.map((c) => ({ result: block({ height: Number(c.params[0]) }), error: null, id: c.id })).reverse();
      json(res, 200, replies);
    });
    const blocks = await new FluxdRpcClient({ url }).getBlocks([3, 4, 5]);
    expect(requests).toBe(1);
    expect(blocks.map((b) => b.height)).toEqual([3, 4, 5]);
  });

  it('settles batch calls one by one and reports malformed items by index', async () => {
    const url = await stub((body, _req, res) => {
      const calls = body as Array<{ id: number }>;
      json(res, 200, [
        { result: HASH, error: null, id: calls[0]!.id },
        { result: null, error: { code: -8, message: 'Block height out of range' }, id: calls[1]!.id },
        { result: 'nothex', error: null, id: calls[2]!.id },
      ]);
    });
    const client = new FluxdRpcClient({ url });
    const calls = [0, 1, 2].map((h) => ({ method: 'getblockhash', params: [h], schema: hash256Schema }));
    const settled = await client.batchSettled(calls);
    expect(settled[0]).toEqual({ ok: true, value: HASH });
    expect(settled[1]!.ok === false && settled[1]!.error).toBeInstanceOf(RpcError);
    expect(settled[2]!.ok === false && (settled[2]!.error as RpcMalformedError).path).toBe('[2].result');
    await expect(client.batch(calls)).rejects.toBeInstanceOf(RpcError);
  });

  it('exports schemas usable on their own', () => {
    expect(blockSchema.safeParse(block()).success).toBe(true);
    expect(blockSchema.safeParse(block({ previousblockhash: undefined })).success).toBe(true);
    expect(blockSchema.safeParse(block({ hash: 'zz' })).success).toBe(false);
  });
});
