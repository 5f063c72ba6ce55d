import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Commands, makeEvent, Queries, Subjects } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { createLogger, loadConfig, request, ReplyError, startService } from '@fluxplane/service-kit';
import { createTestDatabase, freePort, startNats, TestDatabase, TestNats, waitUntil } from '@fluxplane/testkit';
import { addressFromPrivateKey, messageHash, randomPrivateKey, signMessage, signedText } from '@fluxplane/flux-spec';
import { RegistryConfig } from '../src/config';
import { AppRegistryModule } from '../src/app.module';

const HEIGHT = 2_200_000;

function v8Spec(name: string, owner: string, extra: Record<string, unknown> = {}) {
  return {
    version: 8, name, description: `${name} app`, owner,
    compose: [{
      name: 'web', description: 'web', repotag: 'fluxplane/demo:latest', ports: [39001], domains: [''], environmentParameters: [],
      commands: [], containerPorts: [8080], containerData: '/tmp', cpu: 0.1, ram: 100, hdd: 1, repoauth: '',
    }],
    instances: 3, contacts: [], geolocation: [], expire: 5000, nodes: [], staticip: false, enterprise: '', ...extra,
  };
}

function signed(type: 'fluxappregister' | 'fluxappupdate', spec: Record<string, unknown>, key: Uint8Array, timestamp = Date.now()) {
  const signature = signMessage(signedText(type, 1, spec, timestamp), key);
  return { type, version: 1 as const, appSpecifications: spec, timestamp, signature, hash: messageHash(type, 1, spec, timestamp, signature) };
}

describe('app registry', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let store: EventStore;
  const alice = randomPrivateKey();
  const bob = randomPrivateKey();
  let paid = 0;

  async function setHeight(height: number) {
    await store.append(Subjects.chain(), [makeEvent('BlockIndexed', Subjects.chain(), { height, hash: `h${height}`, previousHash: null, time: 1, txCount: 1 })], 'any');
  }
  async function pay(hash: string, flux: number, height = HEIGHT) {
    paid++;
    await store.append(Subjects.chain(), [makeEvent('AppPaymentConfirmed', Subjects.chain(), { hash, txid: `tx${paid}`, height, amountSat: Math.round(flux * 1e8), address: 't3apps' })], 'any');
  }
  const specs = (name: string) => request<Array<Record<string, unknown>>>(store, Queries.appSpecs, { name });
  const submit = (message: unknown) => request<{ hash: string }>(store, Commands.submitAppMessage, { message });

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('registry');
    const port = await freePort();
    const config = loadConfig(RegistryConfig, { HTTP_PORT: String(port), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent', REACTOR_INTERVAL_MS: '200' });
    const logger = createLogger('app-registry', 'silent');
    app = await startService({ module: AppRegistryModule.forRoot(config, logger), config, logger });
    store = await EventStore.connect({ servers: nats.url });
    await setHeight(HEIGHT);
    await waitUntil(async () => (await request<{ height: number }>(store, Queries.registryHeight, {})).height === HEIGHT, { what: 'height' });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await db?.drop();
    await nats?.stop();
  });

  it('registers a signed spec once its payment is confirmed', async () => {
    const msg = signed('fluxappregister', v8Spec('alpha', addressFromPrivateKey(alice)), alice);
    expect(await submit(msg)).toMatchObject({ hash: msg.hash });
    const temp = await waitUntil(async () => (await request<unknown[]>(store, Queries.appMessages, { state: 'temporary', hash: msg.hash }))[0], { what: 'temporary message' });
    expect(temp).toMatchObject({ hash: msg.hash, type: 'fluxappregister' });
    expect(await specs('alpha')).toEqual([]);
    await pay(msg.hash, 10);
    const listed = await waitUntil(async () => (await specs('alpha'))[0], { what: 'registration' });
    expect(listed).toMatchObject({ name: 'alpha', hash: msg.hash, height: HEIGHT, owner: addressFromPrivateKey(alice) });
    const perm = await request<Array<Record<string, unknown>>>(store, Queries.appMessages, { state: 'permanent', hash: msg.hash });
    expect(perm[0]).toMatchObject({ hash: msg.hash, txid: expect.any(String), height: HEIGHT, valueSat: 10e8 });
    const events = (await store.readStream(Subjects.app('alpha'))).events.map((e) => e.event.type);
    expect(events).toEqual(['AppMessageAccepted', 'AppRegistered']);
  });

  it('refuses a duplicate message and a name taken by another owner', async () => {
    const msg = signed('fluxappregister', v8Spec('alpha', addressFromPrivateKey(bob)), bob);
    await expect(submit(msg)).rejects.toMatchObject({ name: 'InvalidMessage', message: expect.stringMatching(/name/i) });
    const first = (await request<Array<{ hash: string }>>(store, Queries.appMessages, { state: 'permanent', name: 'alpha' }))[0]!;
    const replay = (await request<Array<Record<string, unknown>>>(store, Queries.appMessages, { state: 'permanent', hash: first.hash }))[0]!;
    const { txid: _t, height: _h, valueSat: _v, ...original } = replay;
    await expect(submit(original)).rejects.toBeInstanceOf(ReplyError);
  });

  it('does not register a payment below the price', async () => {
    const msg = signed('fluxappregister', v8Spec('cheap', addressFromPrivateKey(alice)), alice);
    await submit(msg);
    await pay(msg.hash, 0.001);
    await new Promise((r) => setTimeout(r, 800));
    expect(await specs('cheap')).toEqual([]);
  });

  it('rejects a bad signature and a malformed spec with a message naming the problem, recording nothing', async () => {
    const msg = signed('fluxappregister', v8Spec('forged', addressFromPrivateKey(alice)), bob);
    await expect(submit(msg)).rejects.toMatchObject({ message: expect.stringMatching(/signature/i) });
    const bad = signed('fluxappregister', v8Spec('badports', addressFromPrivateKey(alice), {}), alice);
    (bad.appSpecifications.compose as Array<Record<string, unknown>>)[0]!.ports = [22];
    const rehashed = signed('fluxappregister', bad.appSpecifications, alice);
    await expect(submit(rehashed)).rejects.toMatchObject({ message: expect.stringMatching(/port/i) });
    expect((await store.readStream(Subjects.app('forged'))).events).toHaveLength(0);
    expect((await store.readStream(Subjects.app('badports'))).events).toHaveLength(0);
  });

  it('applies an update by the owner and refuses one by someone else', async () => {
    const spec = v8Spec('alpha', addressFromPrivateKey(alice), { description: 'alpha v2' });
    const byBob = signed('fluxappupdate', spec, bob);
    await expect(submit(byBob)).rejects.toMatchObject({ message: expect.stringMatching(/signature/i) });
    const byAlice = signed('fluxappupdate', spec, alice);
    await submit(byAlice);
    await pay(byAlice.hash, 10);
    const updated = await waitUntil(async () => { const s = (await specs('alpha'))[0]; return s?.hash === byAlice.hash && s; }, { what: 'update' });
    expect(updated).toMatchObject({ description: 'alpha v2' });
  });

  it('prices payments with the chain\'s price soft forks, from the block after each, and forgets a reverted one', async () => {
    const fork = { height: HEIGHT + 10, txid: 'f'.repeat(64), message: 'p_3_1_0.5_1', cpu: 3, ram: 1, hdd: 0.5, minPrice: 1, port: 2, scope: 6, staticip: 3 };
    await store.append(Subjects.chain(), [makeEvent('PriceScheduleChanged', Subjects.chain(), fork)], 'any');
    const prices = () => request<{ schedule: Array<{ height: number; cpu: number; txid?: string }> }>(store, Queries.appPrices, {});
    const withFork = await waitUntil(async () => { const p = await prices(); return p.schedule.some((e) => e.txid === fork.txid) && p; }, { what: 'chain entry' });
    expect(withFork.schedule.at(-1)).toMatchObject({ height: HEIGHT + 10, cpu: 3, txid: fork.txid, chainHeight: HEIGHT + 10 });
    // same block as the soft fork: the old price applies; the next block: the new one (minPrice 1)
    const sameBlock = signed('fluxappregister', v8Spec('sameblock', addressFromPrivateKey(alice)), alice);
    const nextBlock = signed('fluxappregister', v8Spec('nextblock', addressFromPrivateKey(alice)), alice);
    const nextBlockFull = signed('fluxappregister', v8Spec('nextblockfull', addressFromPrivateKey(alice)), alice);
    for (const m of [sameBlock, nextBlock, nextBlockFull]) await submit(m);
    await pay(sameBlock.hash, 0.5, HEIGHT + 10);
    await pay(nextBlock.hash, 0.5, HEIGHT + 11);
    await pay(nextBlockFull.hash, 1, HEIGHT + 11);
    await waitUntil(async () => (await specs('nextblockfull')).length === 1, { what: 'paid in full' });
    await waitUntil(async () => (await specs('sameblock')).length === 1, { what: 'paid before the soft fork applies' });
    expect(await specs('nextblock')).toEqual([]);
    await store.append(Subjects.chain(), [makeEvent('PriceScheduleChangeReverted', Subjects.chain(), { txid: fork.txid, height: fork.height })], 'any');
    await waitUntil(async () => !(await prices()).schedule.some((e) => e.txid === fork.txid), { what: 'chain entry reverted' });
  });

  it('expires an app at its height', async () => {
    const msg = signed('fluxappregister', v8Spec('shortlived', addressFromPrivateKey(alice)), alice);
    await submit(msg);
    await pay(msg.hash, 10);
    const reg = await waitUntil(async () => (await specs('shortlived'))[0], { what: 'registration' });
    expect(reg).toBeTruthy();
    await setHeight(HEIGHT + 4999);
    await new Promise((r) => setTimeout(r, 500));
    expect(await specs('shortlived')).toHaveLength(1);
    await setHeight(HEIGHT + 5000);
    await waitUntil(async () => (await specs('shortlived')).length === 0, { what: 'expiry' });
    const types = (await store.readStream(Subjects.app('shortlived'))).events.map((e) => e.event.type);
    expect(types.at(-1)).toBe('AppExpired');
  });

  it('does not undo decisions of the winning branch again when the projection is rebuilt', async () => {
    // A reorganisation that touched no app, handled by the reactor; then an app registered on the
    // winning branch, above the fork. A rebuild replays the ChainReorganized: it must not count as a
    // reorganisation still to handle, or the reactor would revert the legitimate registration.
    const tip = HEIGHT + 5000;
    await store.append(Subjects.chain(), [makeEvent('ChainReorganized', Subjects.chain(), { forkHeight: tip, oldTipHeight: tip + 1, oldTipHash: 'old', depth: 1 })], 'any');
    await setHeight(tip + 1);
    const ds = await db.dataSource();
    const pendingRollbacks = async () => Number((await ds.query(`SELECT count(*) AS n FROM app_registry.rollbacks WHERE true`))[0].n);
    await waitUntil(async () => (await request<{ height: number }>(store, Queries.registryHeight, {})).height === tip + 1, { what: 'height after fork' });
    await waitUntil(async () => (await pendingRollbacks()) === 0, { what: 'rollback handled' });
    const msg = signed('fluxappregister', v8Spec('winner', addressFromPrivateKey(alice)), alice);
    await submit(msg);
    await pay(msg.hash, 10, tip + 1);
    await waitUntil(async () => (await specs('winner'))[0], { what: 'registration above the fork' });

    await app.close();
    const port = await freePort();
    const config = loadConfig(RegistryConfig, {
      HTTP_PORT: String(port), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent', REACTOR_INTERVAL_MS: '200', REBUILD_PROJECTIONS: 'true',
    });
    const logger = createLogger('app-registry', 'silent');
    app = await startService({ module: AppRegistryModule.forRoot(config, logger), config, logger });
    await waitUntil(async () => (await specs('winner'))[0], { what: 'registration after rebuild' });
    await waitUntil(async () => (await pendingRollbacks()) === 0, { what: 'no rollback pending after rebuild', timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 1000));
    const types = (await store.readStream(Subjects.app('winner'))).events.map((e) => e.event.type);
    expect(types).toEqual(['AppMessageAccepted', 'AppRegistered']);
    expect(await specs('winner')).toHaveLength(1);
  });
});
