import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { EventStore } from '@fluxplane/eventstore';
import { appContainersOn, counterOnDisk, counterRequest, demoSpec, deployApp, killNode, restartNodeAgent, runningAppContainers } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, sleep, waitUntil } from '@fluxplane/testkit';
import { Network, networkWithStoreForFile, readMasterTerms } from './harness';

const DOMAIN = 'failover.fluxplane.test';

/**
 * A `g:` app (the demo counter, data in `g:/data`) on three real node agents with Docker, Syncthing
 * and HAProxy: only the elected master runs and answers; when its node dies (agent SIGKILLed, its
 * containers removed) a replica becomes master of term 2 with the synced count, HAProxy serves it,
 * and the old node, back, stays a replica.
 */
describe('g: failover (real node agents, Docker, Syncthing, HAProxy)', () => {
  let net: Network;
  let store: EventStore;
  const app = `ctr${randomBytes(3).toString('hex')}`;
  const host = `${app}.app.${DOMAIN}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const get = () => counterRequest(net.haproxyUrl, host, 'GET');
  const post = () => counterRequest(net.haproxyUrl, host, 'POST');
  const masterTerms = () => readMasterTerms(store, app);

  networkWithStoreForFile({ nodeIps: ['127.81.0.1', '127.82.0.1', '127.83.0.1'], domain: DOMAIN, app }, (n, s) => { net = n; store = s; });

  it('a replica takes over with the synced count when the master node dies', async () => {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 3, { containerData: 'g:/data' }), key });
    const first = await waitUntil(get, { timeoutMs: 150_000, intervalMs: 300, what: `${host} answering through HAProxy` });

    // Only the master answers, and only its container runs.
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await get())?.node ?? 'none');
    expect([...seen]).toEqual([first.node]);
    expect(runningAppContainers(app)).toBe(1);
    const terms1 = await masterTerms();
    expect(terms1.map((t) => [t.term, t.nodeId])).toEqual([[1, first.node]]);

    const acked: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await post();
      expect(a?.node).toBe(first.node);
      acked.push(a!.count);
    }
    expect(acked).toEqual([1, 2, 3, 4, 5]);
    const replicas = net.nodes.filter((n) => n.nodeId !== first.node);
    const tSync = Date.now();
    await waitUntil(() => replicas.every((n) => counterOnDisk(n.dataDir, app) === 5), { timeoutMs: 30_000, intervalMs: 100, what: 'the count synced to both replicas' });
    const syncMs = Date.now() - tSync;

    const victim = net.nodes.findIndex((n) => n.nodeId === first.node);
    const t0 = Date.now();
    await killNode(net, victim, app);
    const taken = await waitUntil(async () => { const a = await get(); return a && a.node !== first.node && a; }, { timeoutMs: 60_000, intervalMs: 100, what: 'an answer from a new master' });
    const failoverMs = Date.now() - t0;
    console.log(JSON.stringify({ e2e: 'failover-g', kill_to_new_master_ms: failoverMs, sync_to_replicas_ms: syncMs }));

    expect(replicas.map((n) => n.nodeId)).toContain(taken.node);
    expect(taken.count).toBe(5);
    const terms2 = await masterTerms();
    expect(terms2.at(-1)).toMatchObject({ term: 2, nodeId: taken.node });
    expect(terms2.map((t) => t.term)).toEqual([1, 2]);
    expect(runningAppContainers(app)).toBe(1);
    expect(await post()).toEqual({ count: 6, node: taken.node });
    expect(failoverMs).toBeLessThan(15_000);

    // The old master comes back as a replica: it keeps its component stopped and gets the new count.
    restartNodeAgent(net, victim);
    await waitUntil(() => counterOnDisk(net.nodes[victim]!.dataDir, app) === 6, { timeoutMs: 60_000, intervalMs: 200, what: 'the new count synced to the old master' });
    await sleep(3000);
    expect(appContainersOn(app, first.node)).toEqual([]);
    expect(await get()).toEqual({ count: 6, node: taken.node });
    expect((await masterTerms()).length).toBe(2);
  }, 360_000);
});
