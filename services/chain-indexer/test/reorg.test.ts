import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rpc, Subjects, type DomainEvent } from '@fluxplane/contracts';
import { createLogger, loadConfig, call, startService } from '@fluxplane/service-kit';
import { freePort, httpGet, waitUntil } from '@fluxplane/testkit';
import { DevChain, DEVCHAIN_WALLET_ADDRESS, RunningDevchain, startDevchainServer } from '@fluxplane/devchain';
import { addressFromPrivateKey, randomPrivateKey } from '@fluxplane/flux-spec';
import { signed, v8Spec } from './apps';
import { EventStore } from '@fluxplane/eventstore';
import { converged, indexedTo, startWorld, World } from './world';
import { GatewayModule } from '../../gateway/src/app.module';
import { GatewayConfig } from '../../gateway/src/config';

const gwLogger = createLogger('gateway', 'silent');



/** The registry's temporary messages are not chain facts: a fresh world gets the same ones. */
async function copyMessages(from: EventStore, to: EventStore, names: string[]): Promise<void> {
  for (const name of names) {
    const events = (await from.readStream(Subjects.app(name))).events.map((e) => e.event).filter((e) => e.type === 'AppMessageAccepted');
    if (events.length) await to.append(Subjects.app(name), events, 'any');
  }
}

describe('chain reorganisations', () => {
  let devchain: RunningDevchain;
  let live: World;
  const key = randomPrivateKey();
  const owner = addressFromPrivateKey(key);
  const names: string[] = [];
  let appCount = 0;

  const chain = () => devchain.chain;
  const caughtUp = () => indexedTo(live, chain().height, chain().tip.hash);

  /** A new app message accepted by the live registry; returns its hash. */
  async function newMessage(): Promise<string> {
    const name = `reorgapp${++appCount}`;
    names.push(name);
    const msg = signed(v8Spec(name, owner), key);
    await call(live.store.nc, Rpc.submitAppMessage, { message: msg });
    return msg.hash;
  }

  /** Activity in the next `blocks` blocks: nodes registered and expired, apps paid. */
  async function activity(blocks: number, seed: number): Promise<{ paid: string[] }> {
    const c = chain();
    const paid: string[] = [];
    c.registerNode({ ip: `127.0.1.${seed % 250}`, collateral: 12500 });
    const h = await newMessage();
    c.pay({ hash: h, amountSat: 10e8 });
    paid.push(h);
    const victim = c.deterministicList()[0];
    if (victim) c.expireNode(victim.outpoint);
    if (blocks <= 3) {
      c.generate(blocks); // everything lands in the first of them
      return { paid };
    }
    c.generate(Math.floor(blocks / 2));
    const h2 = await newMessage();
    c.pay({ hash: h2, amountSat: 10e8 });
    paid.push(h2);
    c.generate(blocks - Math.floor(blocks / 2), { registrations: 0.2, payments: 0.2, expiries: 0.05, seed });
    return { paid };
  }

  async function registered(world: World, hash: string): Promise<boolean> {
    const rows = await (await world.readModels()).registry.apps as Array<{ hash: string; active: boolean }>;
    return rows.some((r) => r.hash === hash && r.active);
  }

  /** A fresh world over the same devchain, with the live registry's messages; compared to the live one. */
  async function expectFreshIndexEqual(): Promise<void> {
    const fresh = await startWorld(devchain.url);
    try {
      await copyMessages(live.store, fresh.store, names);
      await fresh.startIndexer();
      await indexedTo(fresh, chain().height, chain().tip.hash);
      await caughtUp();
      const [a, b] = await converged(live, fresh);
      expect(a).toEqual(b);
      // not vacuous: there are nodes, payments and apps to compare
      expect(a.stats.nodes.length).toBeGreaterThan(5);
      expect(a.registry.payments.length).toBeGreaterThan(2);
      expect(a.registry.apps.length).toBeGreaterThan(0);
      expect((a.registry.chain[0] as { height: number }).height).toBe(chain().height);
    } finally {
      await fresh.close();
    }
  }

  beforeAll(async () => {
    devchain = await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 });
    live = await startWorld(devchain.url);
    const c = chain();
    for (let i = 0; i < 6; i++) c.registerNode({ ip: `127.0.0.${10 + i}`, collateral: [1000, 12500, 40000][i % 3]! });
    c.generate(3);
    c.generate(40, { registrations: 0.2, payments: 0.3, expiries: 0.03, seed: 1 });
    await live.startIndexer();
    // an app registered well below every reorganisation: it must survive them all
    const h = await newMessage();
    c.pay({ hash: h, amountSat: 10e8 });
    c.generate(2);
    await caughtUp();
    await waitUntil(() => registered(live, h), { what: 'first app registered' });
  });

  afterAll(async () => {
    await live?.close();
    await devchain?.close();
  });

  for (const [depth, mode] of [[1, 'drop'], [10, 'remine'], [100, 'drop']] as const) {
    it(`a reorganisation of depth ${depth} (${mode}) leaves every read model equal to a fresh index of the winning chain`, async () => {
      const c = chain();
      if (depth >= 100) c.generate(60, { registrations: 0.1, payments: 0.2, seed: 7 }); // stay above genesis
      const { paid } = await activity(depth, depth);
      await caughtUp();
      // the losing branch's payment was promoted before the reorganisation
      await waitUntil(() => registered(live, paid[0]!), { what: 'losing-branch app registered', timeoutMs: 20_000 });
      const before = c.tip.hash;
      const r = c.reorg(depth, mode);
      expect(r.oldTip).toBe(before);
      c.generate(2, { registrations: 0.3, payments: 0.3, seed: depth + 100 });
      await caughtUp();
      if (mode === 'drop') await waitUntil(async () => !(await registered(live, paid[0]!)), { what: 'registration undone' });
      const events = (await live.store.readStream(Subjects.chain())).events.map((e) => e.event);
      const reorg = events.filter((e): e is Extract<DomainEvent, { type: 'ChainReorganized' }> => e.type === 'ChainReorganized').at(-1);
      expect(reorg?.data).toMatchObject({ forkHeight: r.forkHeight, depth, oldTipHash: before });
      expect(events.filter((e) => e.type === 'BlockReverted').slice(-depth).map((e) => e.type === 'BlockReverted' && e.data.height))
        .toEqual(Array.from({ length: depth }, (_, i) => r.forkHeight + depth - i));
      await expectFreshIndexEqual();
    });
  }

  it('resumes a rollback interrupted in the middle of its appends, after a restart', async () => {
    const c = chain();
    await activity(6, 42);
    await caughtUp();
    // make the indexer "crash" after 3 appended events of its next write (the rollback)
    const store = live.indexer!.get(EventStore);
    const publish = store.nc.publish.bind(store.nc);
    let allowed = 3;
    // the indexer publishes with core NATS (acks to its inbox): drop everything after `allowed`
    store.nc.publish = ((...args: Parameters<typeof publish>) => { if (args[0] === 'evt.chain' && allowed-- <= 0) return; publish(...args); }) as typeof publish;
    const r = c.reorg(5, 'drop');
    await waitUntil(() => allowed < 0, { what: 'the rollback to start appending' });
    await live.stopIndexer();
    await live.startIndexer();
    await caughtUp();
    const events = (await live.store.readStream(Subjects.chain())).events.map((e) => e.event);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reverted = events.filter((e) => e.type === 'BlockReverted').map((e) => e.type === 'BlockReverted' && e.data.hash);
    expect(reverted.filter((h) => r.removed.includes(h as string))).toHaveLength(5);
    await expectFreshIndexEqual();
  });

  it('confirms no payment to another address and registers no payment below the price', async () => {
    const c = chain();
    const cheap = await newMessage();
    const elsewhere = await newMessage();
    c.pay({ hash: cheap, amountSat: 100_000 });
    c.pay({ hash: elsewhere, amountSat: 10e8, address: DEVCHAIN_WALLET_ADDRESS });
    c.generate(2);
    await caughtUp();
    const payments = (await live.store.readStream(Subjects.chain())).events.map((e) => e.event).filter((e) => e.type === 'AppPaymentConfirmed');
    expect(payments.some((e) => e.type === 'AppPaymentConfirmed' && e.data.hash === elsewhere)).toBe(false);
    expect(payments.some((e) => e.type === 'AppPaymentConfirmed' && e.data.hash === cheap)).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    const models = await live.readModels();
    expect((models.registry.messages as Array<{ hash: string; state: string }>).filter((m) => m.hash === cheap || m.hash === elsewhere).map((m) => m.state))
      .toEqual(['temporary', 'temporary']);
    expect(await registered(live, cheap)).toBe(false);
  });

  it('answers the explorer routes through the gateway', async () => {
    const gc = loadConfig(GatewayConfig, { HTTP_PORT: String(await freePort()), NATS_URL: live.nats.url, LOG_LEVEL: 'silent', FLUXD_RPC_URL: devchain.url });
    const gw = await startService({ module: GatewayModule.forRoot(gc, gwLogger), config: gc, logger: gwLogger });
    try {
      const get = async (path: string) => JSON.parse((await httpGet(`http://127.0.0.1:${gc.HTTP_PORT}${path}`)).body);
      await caughtUp();
      expect(await get('/explorer/scannedheight')).toEqual({ status: 'success', data: { generalScannedHeight: chain().height } });
      const nodes = await get('/explorer/fluxnodes');
      const expected = chain().deterministicList().map((n) => n.outpoint).sort();
      expect(nodes.status).toBe('success');
      expect(nodes.data.map((n: { nodeId: string }) => n.nodeId).sort()).toEqual(expected);
      const stratus = await get('/explorer/fluxnodes?tier=stratus');
      expect(stratus.data.length).toBeGreaterThan(0);
      expect(stratus.data.every((n: { tier: string }) => n.tier === 'STRATUS')).toBe(true);
      expect((await get('/explorer/fluxnodes?tier=gold')).status).toBe('error');
      const payments = await get(`/explorer/apppayments/${names[0]}`);
      expect(payments).toMatchObject({ status: 'success', data: [expect.objectContaining({ amountSat: 10e8, address: 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX' })] });
      expect((await get('/explorer/apppayments/nosuchapp')).data).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});
