import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subjects } from '@fluxplane/contracts';
import { DevChain, RunningDevchain, startDevchainServer } from '@fluxplane/devchain';
import { waitUntil } from '@fluxplane/testkit';
import { indexedTo, startWorld, World } from './world';

type Fault = 'drop' | 'stall' | 'garbage' | 'bad-schema' | 'http-503';

/**
 * A fault-injecting HTTP proxy between the indexer and the devchain: request n gets `plan(n)`, or
 * is forwarded untouched.
 */
async function faultyProxy(target: string, plan: (n: number) => Fault | undefined): Promise<{ url: string; requests: () => number; faults: Fault[]; close(): Promise<void> }> {
  let n = 0;
  const faults: Fault[] = [];
  const server: Server = createServer((req, res) => {
    const fault = plan(++n);
    if (fault) faults.push(fault);
    if (fault === 'drop') { req.socket.destroy(); return; }
    if (fault === 'stall') return; // never answers: the client's timeout must fire
    if (fault === 'garbage') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"result": [1, 2, '); return; }
    if (fault === 'http-503') { res.writeHead(503); res.end('overloaded'); return; }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(target);
      const up = httpRequest({ host: u.hostname, port: u.port, path: '/', method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
        const body: Buffer[] = [];
        r.on('data', (c: Buffer) => body.push(c));
        r.on('end', () => {
          let text = Buffer.concat(body).toString('utf8');
          // well-formed JSON that breaks the schema: the first block's hash becomes a number
          if (fault === 'bad-schema') text = text.replace(/"hash":"[0-9a-f]{64}"/, '"hash":42');
          res.writeHead(r.statusCode ?? 500, { 'content-type': 'application/json' });
          res.end(text);
        });
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests: () => n,
    faults,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A devchain, the faulty proxy in front of it, and a world (no registry) indexing through the proxy. */
interface FaultyRig {
  devchain: RunningDevchain;
  proxy: Awaited<ReturnType<typeof faultyProxy>>;
  world: World;
  close(): Promise<void>;
}

async function startFaultyRig(o: { chain: (c: DevChain) => void; plan: (n: number) => Fault | undefined; indexer: Record<string, string> }): Promise<FaultyRig> {
  const devchain = await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 });
  o.chain(devchain.chain);
  const proxy = await faultyProxy(devchain.url, o.plan);
  const world = await startWorld(proxy.url, { registry: false, indexer: o.indexer }).catch(async (err: unknown) => {
    await proxy.close();
    await devchain.close();
    throw err;
  });
  return {
    devchain, proxy, world,
    async close() {
      await world.close();
      await proxy.close();
      await devchain.close();
    },
  };
}

describe('an RPC that drops, stalls or answers garbage mid-scan', () => {
  let rig: FaultyRig;
  const cycle: Fault[] = ['drop', 'stall', 'garbage', 'bad-schema', 'http-503'];

  beforeAll(async () => {
    rig = await startFaultyRig({
      chain: (c) => {
        for (let i = 0; i < 4; i++) c.registerNode({ ip: `127.0.0.${20 + i}`, collateral: 1000 });
        c.generate(3);
        c.generate(200, { registrations: 0.2, payments: 0.3, expiries: 0.05, seed: 5 });
      },
      // every third request fails, cycling through the faults
      plan: (n) => (n % 3 === 0 ? cycle[(n / 3) % cycle.length] : undefined),
      indexer: { RPC_TIMEOUT_MS: '300', BATCH_BLOCKS: '8' },
    });
  });
  afterAll(() => rig?.close());

  it('loses nothing and indexes nothing twice', async () => {
    const { devchain, proxy, world } = rig;
    await world.startIndexer();
    await indexedTo(world, devchain.chain.height, devchain.chain.tip.hash);
    expect(new Set(proxy.faults)).toEqual(new Set(['drop', 'stall', 'garbage', 'bad-schema', 'http-503']));

    // the same chain indexed without faults, in a fresh world
    const clean = await startWorld(devchain.url, { registry: false });
    try {
      await clean.startIndexer();
      await indexedTo(clean, devchain.chain.height, devchain.chain.tip.hash);
      const faulty = (await world.store.readStream(Subjects.chain())).events.map((e) => e.event);
      const reference = (await clean.store.readStream(Subjects.chain())).events.map((e) => e.event);
      const strip = (es: typeof faulty) => es.map((e) => ({ id: e.id, type: e.type, data: e.data }));
      expect(strip(faulty)).toEqual(strip(reference));
      const heights = faulty.flatMap((e) => (e.type === 'BlockIndexed' ? [e.data.height] : []));
      expect(heights).toEqual([...Array(devchain.chain.height + 1).keys()]);
      expect(faulty.filter((e) => e.type === 'NodeRegistered').length).toBeGreaterThan(10);
      expect(faulty.filter((e) => e.type === 'AppPaymentConfirmed').length).toBeGreaterThan(20);
      expect((await world.readModels()).indexer).toEqual((await clean.readModels()).indexer);
    } finally {
      await clean.close();
    }
  });
});

describe('health and lag while fluxd does not answer', () => {
  let rig: FaultyRig;
  let down = false;

  beforeAll(async () => {
    rig = await startFaultyRig({
      chain: (c) => c.generate(20),
      plan: () => (down ? 'drop' : undefined),
      indexer: { STALE_AFTER_MS: '400', RPC_TIMEOUT_MS: '300' },
    });
  });
  afterAll(() => rig?.close());

  it('reports lag in /metrics, goes down naming the failure, and comes back up when fluxd answers', async () => {
    const { devchain, world } = rig;
    await world.startIndexer();
    await indexedTo(world, devchain.chain.height, devchain.chain.tip.hash);
    const base = `http://127.0.0.1:${world.indexerConfig.HTTP_PORT}`;
    const health = async () => {
      const res = await fetch(`${base}/health`);
      return { status: res.status, body: (await res.json()) as { details: Record<string, { status: string; error?: string }> } };
    };
    const metric = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1]);

    expect((await health()).body.details.indexer).toEqual({ status: 'up' });
    expect(await metric('fluxplane_indexer_lag_blocks')).toBe(0);

    down = true;
    devchain.chain.generate(5);
    const unhealthy = await waitUntil(async () => {
      const h = await health();
      return h.status === 503 && h;
    }, { what: 'the indexer reported down', timeoutMs: 10_000 });
    expect(unhealthy.body.details.indexer!.status).toBe('down');
    expect(unhealthy.body.details.indexer!.error).toMatch(/no indexing round completed for \d+ s \(last error: .+\); indexed 20/);

    down = false;
    await indexedTo(world, devchain.chain.height, devchain.chain.tip.hash);
    await waitUntil(async () => (await health()).status === 200, { what: 'the indexer reported up again' });
    expect(await metric('fluxplane_indexer_node_height')).toBe(devchain.chain.height);
    expect(await metric('fluxplane_indexer_lag_blocks')).toBe(0);
  });
});
