import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Rpc, Subjects } from '@fluxplane/contracts';
import { createLogger, loadConfig, call, startService } from '@fluxplane/service-kit';
import { freePort, waitUntil } from '@fluxplane/testkit';
import { DevChain, RunningDevchain, startDevchainServer } from '@fluxplane/devchain';
import { addressFromPrivateKey, randomPrivateKey } from '@fluxplane/flux-spec';
import { signed, v8Spec } from './apps';
import { converged, indexedTo, startWorld, World } from './world';
import { GatewayModule } from '../../gateway/src/app.module';
import { GatewayConfig } from '../../gateway/src/config';

/*
 * A price soft fork end to end: the devchain mines a foundation multisig → multisig transaction with
 * `p_…`, the indexer emits PriceScheduleChanged, the registry prices payments with the merged schedule
 * (and the gateway quotes it), and a reorganisation that drops the soft fork restores the old price.
 *
 * The spec below (0.1 core, 100 MB, 1 GB, 3 instances, expire 5000) needs 0.01 FLUX on today's
 * schedule; under `p_3_1_0.5_1` it needs 1 FLUX (minPrice 1). A 0.5 FLUX payment is enough before and
 * not after.
 */
const RAISED = 'p_3_1_0.5_1';
const HALF_FLUX = 50_000_000;



describe('price soft forks', () => {
  let devchain: RunningDevchain;
  let live: World;
  let gateway: NestFastifyApplication;
  let gatewayBase: string;
  const key = randomPrivateKey();
  const owner = addressFromPrivateKey(key);
  const names: string[] = [];
  const hashes = new Map<string, string>();
  let softForkHeight = 0;
  const hashOf = (name: string): string => {
    const h = hashes.get(name);
    if (!h) throw new Error(`no message for ${name}`);
    return h;
  };

  const chain = () => devchain.chain;
  const caughtUp = () => indexedTo(live, chain().height, chain().tip.hash);

  async function newMessage(name: string): Promise<string> {
    names.push(name);
    const msg = signed(v8Spec(name, owner), key);
    await call(live.store.nc, Rpc.submitAppMessage, { message: msg });
    hashes.set(name, msg.hash);
    return msg.hash;
  }

  async function messageState(hash: string): Promise<string | undefined> {
    const rows = (await live.readModels()).registry.messages as Array<{ hash: string; state: string }>;
    return rows.find((m) => m.hash === hash)?.state;
  }

  const prices = async () => (await call(live.store.nc, Rpc.appPrices, {}));
  const quote = async (name: string): Promise<number> => {
    const res = await fetch(`${gatewayBase}/apps/calculateprice`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v8Spec(name, owner)),
    });
    const body = await res.json() as { status: string; data: { flux: number } };
    expect(body.status).toBe('success');
    return body.data.flux;
  };

  beforeAll(async () => {
    devchain = await startDevchainServer({ chain: new DevChain(), host: '127.0.0.1', port: 0 });
    live = await startWorld(devchain.url);
    chain().generate(3);
    await live.startIndexer();
    const silent = createLogger('gateway', 'silent');
    const gc = loadConfig(GatewayConfig, { HTTP_PORT: String(await freePort()), NATS_URL: live.nats.url, LOG_LEVEL: 'silent', FLUXD_RPC_URL: devchain.url });
    gateway = await startService({ module: GatewayModule.forRoot(gc, silent), config: gc, logger: silent });
    gatewayBase = `http://127.0.0.1:${gc.HTTP_PORT}`;
    await caughtUp();
  });

  afterAll(async () => {
    await gateway?.close();
    await live?.close();
    await devchain?.close();
  });

  it('a price message on chain raises the price the registry requires and the gateway quotes', async () => {
    expect(await quote('cheapquote')).toBe(0.01);
    const before = await newMessage('beforefork');
    chain().pay({ hash: before, amountSat: HALF_FLUX });
    chain().generate(1);
    await caughtUp();
    await waitUntil(async () => (await messageState(before)) === 'permanent', { what: 'registered at the old price' });

    const sent = chain().softFork({ message: RAISED });
    chain().generate(1);
    softForkHeight = chain().height;
    await caughtUp();
    const events = (await live.store.readStream(Subjects.chain())).events.map((e) => e.event);
    expect(events.find((e) => e.type === 'PriceScheduleChanged')?.data).toEqual({
      height: softForkHeight, txid: sent.txid, message: RAISED, cpu: 3, ram: 1, hdd: 0.5, minPrice: 1, port: 2, scope: 6, staticip: 3,
    });
    const schedule = await waitUntil(async () => { const p = await prices(); return p.schedule.some((e) => e.txid === sent.txid) && p; }, { what: 'merged schedule' });
    expect(schedule.schedule.at(-1)).toMatchObject({ height: softForkHeight + 2_200_000, chainHeight: softForkHeight, cpu: 3, minPrice: 1 });
    expect(await quote('dearquote')).toBe(1);

    // in one block, so one reactor pass decides both
    const short = await newMessage('shortpaid');
    const full = await newMessage('fullpaid');
    chain().pay({ hash: short, amountSat: HALF_FLUX });
    chain().pay({ hash: full, amountSat: 100_000_000 });
    chain().generate(1);
    await caughtUp();
    await waitUntil(async () => (await messageState(full)) === 'permanent', { what: 'registered at the new price' });
    expect(await messageState(short)).toBe('temporary');
  });

  it('a reorganisation that drops the price message restores the old price, as a fresh index of the winning chain', async () => {
    const depth = chain().height - softForkHeight + 1;
    chain().reorg(depth, 'drop');
    await caughtUp();
    await waitUntil(async () => !(await prices()).schedule.some((e) => e.txid !== undefined), { what: 'chain entry gone' });
    await waitUntil(async () => (await messageState(hashOf('fullpaid'))) === 'temporary', { what: 'registration undone' });
    expect(await quote('cheapquote')).toBe(0.01);

    // the payment that fell short under the soft fork is enough again
    chain().pay({ hash: hashOf('shortpaid'), amountSat: HALF_FLUX });
    chain().generate(1);
    await caughtUp();
    await waitUntil(async () => (await messageState(hashOf('shortpaid'))) === 'permanent', { what: 'registered at the restored price' });

    const fresh = await startWorld(devchain.url);
    try {
      for (const name of names) {
        const accepted = (await live.store.readStream(Subjects.app(name))).events.map((e) => e.event).filter((e) => e.type === 'AppMessageAccepted');
        if (accepted.length) await fresh.store.append(Subjects.app(name), accepted, 'any');
      }
      await fresh.startIndexer();
      await indexedTo(fresh, chain().height, chain().tip.hash);
      const [a, b] = await converged(live, fresh);
      expect(a).toEqual(b);
      expect(a.registry.prices).toEqual([]);
      expect((a.registry.apps as Array<{ name: string }>).map((x) => x.name).sort()).toEqual(['beforefork', 'shortpaid']);
    } finally {
      await fresh.close();
    }
  });
});
