import { FluxdRpcClient, RpcError, RpcMalformedError, RpcUnavailableError, hash256Schema, isFluxnodeTx } from '@fluxplane/fluxd-rpc';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevChain, MAINNET_APPS_ADDRESS } from './chain/model';
import { ConfigError, loadConfig } from './config';
import { startDevchainServer, type RunningDevchain } from './server';

let running: RunningDevchain;
let client: FluxdRpcClient;
let base: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely typed control API answers in assertions
type Json = any;

async function control(method: 'GET' | 'POST', path: string, body?: unknown, auth = true): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Basic ${Buffer.from('dev:secret').toString('base64')}`;
  const res = await fetch(new URL(path, base), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json().catch(() => null) };
}

beforeAll(async () => {
  running = await startDevchainServer({
    chain: new DevChain(),
    host: '127.0.0.1',
    port: 0,
    auth: { user: 'dev', password: 'secret' },
  });
  base = running.url;
  client = new FluxdRpcClient({ url: running.url, user: 'dev', password: 'secret', timeoutMs: 5000 });
});

afterAll(async () => {
  await running.close();
});

describe('devchain server', () => {
  it('answers the fluxd RPCs the client needs, validated by its schemas', async () => {
    const gen = await control('POST', '/control/generate', { blocks: 5 });
    expect(gen.status).toBe(200);
    expect(gen.json).toMatchObject({ generated: 5, height: 5 });
    expect(await client.getBlockCount()).toBe(5);
    const best = await client.getBestBlockHash();
    expect(await client.getBlockHash(5)).toBe(best);
    const block = await client.getBlock(best);
    expect(block.height).toBe(5);
    expect(block.confirmations).toBe(1);
    const byHeight = await client.getBlock(4);
    expect(byHeight.nextblockhash).toBe(best);
    expect(block.previousblockhash).toBe(byHeight.hash);
  });

  it('serves a JSON-RPC batch of many blocks in one round trip', async () => {
    const blocks = await client.getBlocks([0, 1, 2, 3, 4, 5]);
    expect(blocks.map((b) => b.height)).toEqual([0, 1, 2, 3, 4, 5]);
    blocks.slice(1).forEach((b, i) => expect(b.previousblockhash).toBe(blocks[i]!.hash));
  });

  it('returns fluxd errors as RpcError', async () => {
    const error = await client.getBlockHash(10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-8);
    await expect(client.call('nosuchmethod', [], z.unknown())).rejects.toMatchObject({ code: -32601 });
    await expect(client.call('getblock', ['f'.repeat(64), 2], z.unknown())).rejects.toMatchObject({ code: -5, rpcMessage: 'Block not found' });
    // fluxd's getblock takes a string: a numeric parameter fails like UniValue::get_str()
    await expect(client.call('getblock', [1, 2], z.unknown())).rejects.toMatchObject({ code: -32700 });
  });

  it('flags a result that does not match the expected schema as RpcMalformedError naming the path', async () => {
    const error = await client.call('getblock', ['1', 2], z.object({ tx: z.array(z.object({ txid: z.number() })) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcMalformedError);
    expect((error as RpcMalformedError).path).toBe('result.tx[0].txid');
  });

  it('requires basic auth when configured', async () => {
    const anonymous = new FluxdRpcClient({ url: running.url });
    await expect(anonymous.getBlockCount()).rejects.toBeInstanceOf(RpcUnavailableError);
    expect((await control('GET', '/control/status', undefined, false)).status).toBe(401);
  });

  it('registers a node through the control API and lists it in viewdeterministicfluxnodelist', async () => {
    const reg = await control('POST', '/control/nodes', { ip: '10.0.0.5:16127', collateral: 12500 });
    expect(reg.status).toBe(201);
    expect(reg.json).toMatchObject({ tier: 'NIMBUS', collateralSat: 12500 * 1e8, ip: '10.0.0.5:16127' });
    await control('POST', '/control/generate', { blocks: 3 });
    const list = await client.viewDeterministicFluxnodeList();
    expect(list.map((n) => `${n.txhash}:${n.outidx}`)).toEqual([reg.json.nodeId]);
    expect(list[0]).toMatchObject({ ip: '10.0.0.5:16127', tier: 'NIMBUS', amount: '12500.00' });
    expect(await client.viewDeterministicFluxnodeList('10.9.9.9')).toEqual([]);
    const start = (await client.getBlocks([7]))[0]!.tx.find((t) => t.txid === reg.json.startTxid)!;
    expect(start).toMatchObject({ version: 5, type: 'Starting a fluxnode', txhash: reg.json.collateralTxid, outidx: 0, ip: '' });

    const bad = await control('POST', '/control/nodes', { ip: '10.0.0.6', collateral: 5000 });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/collateral/);

    const expire = await control('POST', '/control/nodes/expire', { nodeId: reg.json.nodeId });
    expect(expire.status).toBe(201);
    await control('POST', '/control/generate', { blocks: 1 });
    expect(await client.viewDeterministicFluxnodeList()).toEqual([]);
  });

  it('pays for an app hash through the control API', async () => {
    const hash = 'ab'.repeat(32);
    const paid = await control('POST', '/control/payments', { hash, amount: 2.5 });
    expect(paid.status).toBe(201);
    expect(paid.json).toMatchObject({ address: MAINNET_APPS_ADDRESS, amountSat: 250_000_000 });
    const gen = await control('POST', '/control/generate', { blocks: 1 });
    const block = await client.getBlock(gen.json.bestblockhash);
    const tx = block.tx.find((t) => t.txid === paid.json.txid)!;
    if (isFluxnodeTx(tx)) throw new Error('expected a transparent tx');
    expect(tx.vout[0]).toMatchObject({ valueSat: 250_000_000, scriptPubKey: { type: 'scripthash', addresses: [MAINNET_APPS_ADDRESS] } });
    expect(tx.vout[tx.vout.length - 1]!.scriptPubKey).toMatchObject({ type: 'nulldata', asm: `OP_RETURN ${Buffer.from(hash).toString('hex')}` });
  });

  it('sends a soft fork message through the control API, with the foundation multisig on the input', async () => {
    const sent = await control('POST', '/control/softfork', { message: 'p_0.06_0.02_0.008_0.01' });
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ address: MAINNET_APPS_ADDRESS, txid: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await control('POST', '/control/softfork', { message: '' })).status).toBe(400);
    const gen = await control('POST', '/control/generate', { blocks: 1 });
    const block = await client.getBlock(gen.json.bestblockhash);
    const tx = block.tx.find((t) => t.txid === sent.json.txid)!;
    if (isFluxnodeTx(tx)) throw new Error('expected a transparent tx');
    expect(tx.vin[0]).toMatchObject({ address: MAINNET_APPS_ADDRESS });
    expect(tx.vout[0]!.scriptPubKey.addresses).toEqual([MAINNET_APPS_ADDRESS]);
    expect(tx.vout[tx.vout.length - 1]!.scriptPubKey.asm).toBe(`OP_RETURN ${Buffer.from('p_0.06_0.02_0.008_0.01').toString('hex')}`);
  });

  it('forces a reorganisation visible in getchaintips', async () => {
    const height = await client.getBlockCount();
    const oldTip = await client.getBestBlockHash();
    const reorg = await control('POST', '/control/reorg', { depth: 2 });
    expect(reorg.status).toBe(200);
    expect(reorg.json).toMatchObject({ forkHeight: height - 2, oldTip, height: height + 1 });
    const tips = await client.getChainTips();
    expect(tips[0]).toEqual({ height: height + 1, hash: await client.getBestBlockHash(), branchlen: 0, status: 'active' });
    expect(tips).toContainEqual({ height, hash: oldTip, branchlen: 2, status: 'valid-fork' });
    const stale = await client.getBlock(oldTip);
    expect(stale.confirmations).toBe(-1);
    expect((await control('POST', '/control/reorg', { depth: 10_000 })).status).toBe(400);
  });

  it('answers batches mixing successes and failures, and unknown routes', async () => {
    const settled = await client.batchSettled([
      { method: 'getblockhash', params: [0], schema: hash256Schema },
      { method: 'getblockhash', params: [99_999], schema: hash256Schema },
    ]);
    expect(settled[0]!.ok).toBe(true);
    expect(settled[1]!.ok).toBe(false);
    expect((await control('GET', '/control/nope')).status).toBe(404);
  });

  it('reports a stopped devchain as RpcUnavailableError', async () => {
    const other = await startDevchainServer({ chain: new DevChain(), port: 0 });
    const c = new FluxdRpcClient({ url: other.url, timeoutMs: 2000 });
    expect(await c.getBlockCount()).toBe(0);
    await other.close();
    await expect(c.getBlockCount()).rejects.toBeInstanceOf(RpcUnavailableError);
  });
});

describe('devchain config', () => {
  it('applies the defaults', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 16124,
      blockIntervalMs: 1000,
      dataFile: undefined,
      reorgMode: 'remine',
      auth: undefined,
      appsAddress: MAINNET_APPS_ADDRESS,
    });
  });

  it('names every bad variable', () => {
    const attempt = (): unknown => loadConfig({ DEVCHAIN_RPC_PORT: '70000', DEVCHAIN_BLOCK_INTERVAL_MS: 'fast', DEVCHAIN_APPS_ADDRESS: 'xyz' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DEVCHAIN_RPC_PORT/);
    expect(attempt).toThrow(/DEVCHAIN_BLOCK_INTERVAL_MS/);
    expect(attempt).toThrow(/DEVCHAIN_APPS_ADDRESS/);
    expect(() => loadConfig({ DEVCHAIN_RPC_USER: 'a' })).toThrow(/DEVCHAIN_RPC_PASSWORD/);
  });
});
