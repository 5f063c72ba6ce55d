import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventStore } from '@fluxplane/eventstore';
import { appContainersOn, counterOnDisk, counterRequest, demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, sleep, waitUntil } from '@fluxplane/testkit';
import { Network, removeAppContainers, startNetwork, readMasterTerms } from './harness';
import { createPrivateNet, type PrivateNet } from './netns';

const DOMAIN = 'partition.fluxplane.test';
const NODE_IPS = ['127.94.0.1', '127.95.0.1', '127.96.0.1'];

/** Container starts and deaths of an app, by Docker's own clock (`docker events`). */
function containerEvents(app: string, since: number): Array<{ status: string; node: string; t: number }> {
  const out = execFileSync('docker', ['events', '--since', String(since / 1000), '--until', String(Date.now() / 1000),
    '--filter', 'type=container', '--filter', `label=fluxplane.app=${app}`,
    '--format', '{{.Status}} {{index .Actor.Attributes "fluxplane.node"}} {{.TimeNano}}']).toString();
  return out.trim().split('\n').filter(Boolean).map((l) => {
    const [status, node, nano] = l.split(' ');
    return { status: status!, node: node!, t: Number(BigInt(nano!) / 1_000_000n) };
  });
}

/**
 * A network partition, for real: every node's agent and Syncthing run in a network namespace of their
 * own, joined by a bridge (test/e2e/netns.ts); the master's link is cut, then restored. Its containers
 * stay with the host's dockerd, so HAProxy could still reach the old master: only fencing (its lease
 * lapses, it cannot see the new term) stops it. Asserted: the old master's component dies before the
 * new one starts (docker events), a client polling through HAProxy the whole time never sees an answer
 * from the old master after one from the new, and once the link is back the old master is a replica
 * with the same data as the others.
 */
describe('g: partition of the master (network namespaces, real agents, Docker, Syncthing, HAProxy)', () => {
  let pnet: PrivateNet | undefined;
  let net: Network;
  let store: EventStore;
  const app = `pt${randomBytes(3).toString('hex')}`;
  const host = `${app}.app.${DOMAIN}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const get = () => counterRequest(net.haproxyUrl, host, 'GET', 1000);
  const post = () => counterRequest(net.haproxyUrl, host, 'POST');
  const masterTerms = () => readMasterTerms(store, app);

  beforeAll(async () => {
    pnet = createPrivateNet(NODE_IPS.length);
    const isolate = Object.fromEntries(pnet.nodes.map((n, i) => [i, { prefix: n.prefix, address: n.address }]));
    net = await startNetwork({ nodeIps: NODE_IPS, domain: DOMAIN, natsHost: pnet.hostAddress, isolate });
    store = await EventStore.connect({ servers: net.nats.url });
  }, 240_000);
  afterAll(async () => {
    try {
      await store?.close();
      await net?.stop();
      removeAppContainers(app);
    } finally {
      pnet?.remove();
    }
  }, 90_000);

  it('the cut-off master stops before a new one starts, no two masters answer, and it rejoins as a replica', async () => {
    const port = await freePortOn(NODE_IPS);
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port, 3, { containerData: 'g:/data' }), key });
    const first = await waitUntil(get, { timeoutMs: 180_000, intervalMs: 300, what: `${host} answering through HAProxy` });
    for (let i = 0; i < 3; i++) expect((await post())?.node).toBe(first.node);
    await waitUntil(() => net.nodes.every((n) => counterOnDisk(n.dataDir, app) === 3), { timeoutMs: 60_000, intervalMs: 200, what: 'the count synced to every node' });
    const victim = net.nodes.findIndex((n) => n.nodeId === first.node);

    // A client polls through HAProxy the whole time, recording who answered.
    const answers: Array<{ t: number; node: string; count: number }> = [];
    let polling = true;
    const client = (async () => {
      while (polling) {
        const a = await get();
        if (a) answers.push({ t: Date.now(), node: a.node, count: a.count });
        await sleep(50);
      }
    })();

    const tCut = Date.now();
    pnet!.cut(victim);
    let taken: { node: string; count: number };
    try {
      taken = await waitUntil(async () => { const a = answers.at(-1); return a && a.node !== first.node ? a : undefined; },
        { timeoutMs: 60_000, intervalMs: 100, what: 'an answer from a new master' });
      await sleep(2000);
    } finally {
      polling = false;
      await client;
    }
    const terms = await masterTerms();
    expect(terms.map((t) => t.term)).toEqual([1, 2]);
    expect(terms[1]!.nodeId).not.toBe(first.node);
    expect(taken.node).toBe(terms[1]!.nodeId);

    // Never two masters: once the new master answered, the old one never did again.
    const firstNew = answers.findIndex((a) => a.node !== first.node);
    expect(firstNew).toBeGreaterThan(0);
    expect(answers.slice(firstNew).filter((a) => a.node !== taken.node)).toEqual([]);
    // The old master's component died before the new master's started (Docker's clock).
    const events = containerEvents(app, tCut - 1000);
    const oldDied = events.find((e) => e.node === first.node && e.status === 'die');
    const newStarted = events.find((e) => e.node === taken.node && e.status === 'start');
    console.log(JSON.stringify({ e2e: 'partition', cut_to_old_died_ms: oldDied && oldDied.t - tCut, cut_to_new_started_ms: newStarted && newStarted.t - tCut, cut_to_new_answer_ms: answers[firstNew]!.t - tCut }));
    expect(oldDied).toBeDefined();
    expect(newStarted).toBeDefined();
    expect(oldDied!.t).toBeLessThan(newStarted!.t);

    // Writes go to the new master while the old one is away.
    for (let i = 0; i < 2; i++) expect(await post()).toEqual({ count: taken.count + i + 1, node: taken.node });
    const final = taken.count + 2;

    // The link comes back: the old master is a replica (component stopped) and its data is the master's.
    pnet!.restore(victim);
    await waitUntil(() => counterOnDisk(net.nodes[victim]!.dataDir, app) === final, { timeoutMs: 120_000, intervalMs: 250, what: 'the old master\'s folder to catch up' });
    await sleep(3000);
    expect(appContainersOn(app, first.node)).toEqual([]);
    expect(net.nodes.map((n) => counterOnDisk(n.dataDir, app))).toEqual(net.nodes.map(() => final));
    expect(await get()).toEqual({ count: final, node: taken.node });
    expect((await masterTerms()).map((t) => t.term)).toEqual([1, 2]);
  }, 480_000);
});
