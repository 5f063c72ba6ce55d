import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, waitUntil } from '@fluxplane/testkit';
import { RegistrationStack, startRegistrationStack } from './stack';

type Fluxnodes = { result: Array<{ ip: string; tier: string; txhash: string; outidx: number; collateral: string; amount: string; confirmed_height: number }> };
type Status = { info: { blocks: number; bestblockhash: string | null; version: null } };

/**
 * An insight explorer's routes as Flux's tools read them (FDM's main load balancer: `result[].ip` of
 * `/api/fluxnode/listfluxnodes`; `info` of `/api/status`), answered by the chain indexer through the
 * gateway, against a devchain with registered nodes.
 */
describe('insight explorer routes through the gateway', () => {
  let stack: RegistrationStack;
  const nodes: Array<{ nodeId: string; ip: string; collateral: number }> = [];

  beforeAll(async () => {
    stack = await startRegistrationStack('insight');
    for (const [i, collateral] of [1000, 12500, 40000].entries()) {
      const ip = `127.0.0.${41 + i}`;
      nodes.push({ ...stack.chain.registerNode({ ip, collateral }), ip, collateral });
    }
    stack.chain.generate(3); // collateral, start, confirm
    await stack.synced();
  });
  afterAll(() => stack?.close());

  it('lists the confirmed nodes in insight\'s shape, plain JSON', async () => {
    const list = await waitUntil(async () => {
      const body = await readJson<Fluxnodes>(await fetch(`${stack.base}/api/fluxnode/listfluxnodes`));
      return body.result.length === 3 ? body : undefined;
    }, { what: 'three confirmed nodes listed', timeoutMs: 10_000 });
    expect(list.result.map((n) => [n.ip, n.tier, n.amount])).toEqual(expect.arrayContaining([
      ['127.0.0.41', 'CUMULUS', '1000.00'], ['127.0.0.42', 'NIMBUS', '12500.00'], ['127.0.0.43', 'STRATUS', '40000.00'],
    ]));
    for (const n of list.result) {
      expect(nodes.map((x) => x.nodeId)).toContain(`${n.txhash}:${n.outidx}`);
      expect(n.collateral).toBe(`COutPoint(${n.txhash}, ${n.outidx})`);
      expect(n.confirmed_height).toBeGreaterThan(0);
    }
  });

  it('reports the indexed height and tip as insight\'s status', async () => {
    const status = await readJson<Status>(await fetch(`${stack.base}/api/status`));
    expect(status.info).toMatchObject({ blocks: stack.chain.height, bestblockhash: stack.chain.tip.hash, version: null });
  });
});
