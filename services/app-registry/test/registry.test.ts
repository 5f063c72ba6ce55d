import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FluxMessage, makeEvent, PermanentAppMessage, Rpc, Subjects } from '@fluxplane/contracts';
import { createLogger, loadConfig, call, FluxError, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, waitUntil } from '@fluxplane/testkit';
import { addressFromPrivateKey, messageHash, randomPrivateKey, signMessage, signedText } from '@fluxplane/flux-spec';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { generateBusAuth } from '@fluxplane/bus-auth';
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

/** A v7 app targeted at a node, whose `db` component pulls a private image (repoauth needs targeted nodes in v7). */
function v7PrivateSpec(name: string, owner: string) {
  const component = (n: string, port: number, repoauth: string) => ({
    name: n, description: n, repotag: `fluxplane/${n}:latest`, ports: [port], domains: [''], environmentParameters: [], commands: [],
    containerPorts: [8080], containerData: '/tmp', cpu: 0.1, ram: 100, hdd: 1, tiered: false, secrets: '', repoauth,
  });
  return {
    version: 7, name, description: `${name} app`, owner, compose: [component('web', 39011, ''), component('db', 39012, 'puller:s3cr:et')],
    instances: 3, contacts: [], geolocation: [], expire: 5000, nodes: ['127.0.0.2'], staticip: false,
  };
}

function signed(type: 'fluxappregister' | 'fluxappupdate', spec: Record<string, unknown>, key: Uint8Array, timestamp = Date.now()) {
  const signature = signMessage(signedText(type, 1, spec, timestamp), key);
  return { type, version: 1 as const, appSpecifications: spec, timestamp, signature, hash: messageHash(type, 1, spec, timestamp, signature) };
}

describe('app registry', () => {
  let fx: EventStoreWithDatabaseFixture;
  let app: NestFastifyApplication | undefined;
  const alice = randomPrivateKey();
  const bob = randomPrivateKey();
  let paid = 0;

  async function setHeight(height: number) {
    await fx.store.append(Subjects.chain(), [makeEvent('BlockIndexed', Subjects.chain(), { height, hash: `h${height}`, previousHash: null, time: 1, txCount: 1 })], 'any');
  }
  async function pay(hash: string, flux: number, height = HEIGHT) {
    paid++;
    await fx.store.append(Subjects.chain(), [makeEvent('AppPaymentConfirmed', Subjects.chain(), { hash, txid: `tx${paid}`, height, amountSat: Math.round(flux * 1e8), address: 't3apps' })], 'any');
  }
  const specs = (name: string) => call(fx.store.nc, Rpc.appSpecs, { name });
  const submit = (message: FluxMessage) => call(fx.store.nc, Rpc.submitAppMessage, { message });
  /** The registry on the fixture's NATS and database; `env` on top of the test's settings. */
  async function startRegistry(env: Record<string, string> = {}) {
    const config = loadConfig(RegistryConfig, {
      HTTP_PORT: String(await freePort()), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent', REACTOR_INTERVAL_MS: '200', ...env,
    });
    const logger = createLogger('app-registry', 'silent');
    return startService({ module: AppRegistryModule.forRoot(config, logger), config, logger });
  }

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'registry' });
    fx.onClose(() => app?.close());
    app = await startRegistry();
    await setHeight(HEIGHT);
    await waitUntil(async () => (await call(fx.store.nc, Rpc.registryHeight, {})).height === HEIGHT, { what: 'height' });
  });
  afterAll(() => fx?.close());

  it('registers a signed spec once its payment is confirmed', async () => {
    const msg = signed('fluxappregister', v8Spec('alpha', addressFromPrivateKey(alice)), alice);
    expect(await submit(msg)).toMatchObject({ hash: msg.hash });
    const temp = await waitUntil(async () => (await call(fx.store.nc, Rpc.appMessages, { state: 'temporary', hash: msg.hash }))[0], { what: 'temporary message' });
    expect(temp).toMatchObject({ hash: msg.hash, type: 'fluxappregister' });
    expect(await specs('alpha')).toEqual([]);
    await pay(msg.hash, 10);
    const listed = await waitUntil(async () => (await specs('alpha'))[0], { what: 'registration' });
    expect(listed).toMatchObject({ name: 'alpha', hash: msg.hash, height: HEIGHT, owner: addressFromPrivateKey(alice) });
    const perm = await call(fx.store.nc, Rpc.appMessages, { state: 'permanent', hash: msg.hash });
    expect(perm[0]).toMatchObject({ hash: msg.hash, txid: expect.any(String), height: HEIGHT, valueSat: 10e8 });
    const events = (await fx.store.readStream(Subjects.app('alpha'))).events.map((e) => e.event.type);
    expect(events).toEqual(['AppMessageAccepted', 'AppRegistered']);
  });

  it('refuses a duplicate message and a name taken by another owner', async () => {
    const msg = signed('fluxappregister', v8Spec('alpha', addressFromPrivateKey(bob)), bob);
    await expect(submit(msg)).rejects.toMatchObject({ name: 'InvalidMessage', message: expect.stringMatching(/name/i) });
    const first = (await call(fx.store.nc, Rpc.appMessages, { state: 'permanent', name: 'alpha' }))[0]!;
    const replay = PermanentAppMessage.parse((await call(fx.store.nc, Rpc.appMessages, { state: 'permanent', hash: first.hash }))[0]);
    const { txid: _t, height: _h, valueSat: _v, ...original } = replay;
    await expect(submit(original)).rejects.toBeInstanceOf(FluxError);
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
    expect((await fx.store.readStream(Subjects.app('forged'))).events).toHaveLength(0);
    expect((await fx.store.readStream(Subjects.app('badports'))).events).toHaveLength(0);
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

  it('refuses a custom domain another registered app claims, naming the domain and its owner', async () => {
    const withDomain = (name: string, domain: string, port: number) => {
      const spec = v8Spec(name, addressFromPrivateKey(alice));
      (spec.compose[0] as Record<string, unknown>).domains = [domain];
      (spec.compose[0] as Record<string, unknown>).ports = [port];
      return spec;
    };
    const first = signed('fluxappregister', withDomain('shopfirst', 'shop.custom.test', 39021), alice);
    await submit(first);
    await pay(first.hash, 10);
    await waitUntil(async () => (await specs('shopfirst'))[0], { what: 'first claimant registered' });
    // Written differently (scheme, www., case): the same domain.
    const late = signed('fluxappregister', withDomain('shoplate', 'https://WWW.shop.custom.test', 39022), alice);
    await expect(submit(late)).rejects.toMatchObject({ name: 'DomainTaken', code: 409, message: expect.stringContaining('domain shop.custom.test is already claimed by app shopfirst') });
    expect((await fx.store.readStream(Subjects.app('shoplate'))).events).toHaveLength(0);
    // The owner itself may update its spec and keep the domain; another free domain is fine.
    const update = signed('fluxappupdate', { ...withDomain('shopfirst', 'shop.custom.test', 39021), description: 'v2' }, alice);
    expect(await submit(update)).toMatchObject({ hash: update.hash });
    expect(await submit(signed('fluxappregister', withDomain('shopother', 'other.custom.test', 39023), alice))).toMatchObject({ hash: expect.any(String) });
  });

  it('gives registry credentials only to a node that holds a placement of the app', async () => {
    const msg = signed('fluxappregister', v7PrivateSpec('private', addressFromPrivateKey(alice)), alice);
    await submit(msg);
    await pay(msg.hash, 10);
    await waitUntil(async () => (await specs('private'))[0], { what: 'registration' });
    const ask = (component: string, nodeId: string) => call(fx.store.nc, Rpc.registryAuth, { app: 'private', component, nodeId });
    await expect(ask('db', 'n1')).rejects.toMatchObject({ message: expect.stringContaining('node n1 holds no placement of app private') });

    const run = { image: 'x:1', ports: [], environment: [], commands: [], containerData: '/tmp', data: null, cpu: 0.1, ramMb: 100, hddGb: 1 };
    await fx.store.append(Subjects.placement('private'), [makeEvent('InstanceScheduled', Subjects.placement('private'), {
      app: 'private', nodeId: 'n1', nodeIp: '127.0.0.2', specHash: msg.hash, reason: 'placed',
      components: [{ ...run, name: 'web' }, { ...run, name: 'db', privateImage: true }],
    })], 'any');
    expect(await ask('db', 'n1')).toEqual({ auth: { username: 'puller', password: 's3cr:et' } });
    expect(await ask('web', 'n1')).toEqual({ auth: null });
    const refusedOther = ask('db', 'n2');
    await expect(refusedOther).rejects.toBeInstanceOf(FluxError);
    await expect(refusedOther).rejects.toMatchObject({ message: expect.stringContaining('node n2 holds no placement of app private') });
    await expect(ask('cache', 'n1')).rejects.toMatchObject({ message: expect.stringContaining('has no component cache') });
    await expect(call(fx.store.nc, Rpc.registryAuth, { app: 'nosuchapp', component: 'db', nodeId: 'n1' })).rejects.toMatchObject({ message: expect.stringContaining('not registered') });

    await fx.store.append(Subjects.placement('private'), [makeEvent('InstanceUnscheduled', Subjects.placement('private'), { app: 'private', nodeId: 'n1', reason: 'moved' })], 'any');
    await expect(ask('db', 'n1')).rejects.toMatchObject({ message: expect.stringContaining('holds no placement') });
  });

  it("on a bus with identities, sends registry credentials only to the asking node's own inbox", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-registry-bus-'));
    fx.onClose(() => rmSync(dir, { recursive: true, force: true }));
    const { identities } = generateBusAuth({ dir, nodes: [{ nodeId: 'n1' }, { nodeId: 'n2' }] });
    await app?.close();
    app = await startRegistry({ NATS_NKEY_SEED: identities.find((i) => i.name === 'app-registry')!.seedFile });
    const run = { image: 'x:1', ports: [], environment: [], commands: [], containerData: '/tmp', data: null, cpu: 0.1, ramMb: 100, hddGb: 1 };
    const spec = (await specs('private'))[0]!;
    await fx.store.append(Subjects.placement('private'), [makeEvent('InstanceScheduled', Subjects.placement('private'), {
      app: 'private', nodeId: 'n1', nodeIp: '127.0.0.2', specHash: spec.hash, reason: 'placed',
      components: [{ ...run, name: 'db', privateImage: true }],
    })], 'any');
    const asN1 = { app: 'private', component: 'db', nodeId: 'n1' };
    const n1 = await connect({ servers: fx.nats.url, inboxPrefix: '_INBOX.node-n1' });
    const n2 = await connect({ servers: fx.nats.url, inboxPrefix: '_INBOX.node-n2' });
    try {
      expect(await call(n1, Rpc.registryAuth, asN1)).toEqual({ auth: { username: 'puller', password: 's3cr:et' } });
      // n2 asking as n1, and a caller whose inbox names no node, are refused
      await expect(call(n2, Rpc.registryAuth, asN1)).rejects.toMatchObject({ message: expect.stringContaining("only to node n1's own agent") });
      await expect(call(fx.store.nc, Rpc.registryAuth, asN1)).rejects.toMatchObject({ message: expect.stringContaining("only to node n1's own agent") });
    } finally {
      await n1.close();
      await n2.close();
      await fx.store.append(Subjects.placement('private'), [makeEvent('InstanceUnscheduled', Subjects.placement('private'), { app: 'private', nodeId: 'n1', reason: 'moved' })], 'any');
      await app?.close();
      app = await startRegistry();
    }
  });

  it('prices payments with the chain\'s price soft forks, from the block after each, and forgets a reverted one', async () => {
    const fork = { height: HEIGHT + 10, txid: 'f'.repeat(64), message: 'p_3_1_0.5_1', cpu: 3, ram: 1, hdd: 0.5, minPrice: 1, port: 2, scope: 6, staticip: 3 };
    await fx.store.append(Subjects.chain(), [makeEvent('PriceScheduleChanged', Subjects.chain(), fork)], 'any');
    const prices = () => call(fx.store.nc, Rpc.appPrices, {});
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
    await fx.store.append(Subjects.chain(), [makeEvent('PriceScheduleChangeReverted', Subjects.chain(), { txid: fork.txid, height: fork.height })], 'any');
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
    const types = (await fx.store.readStream(Subjects.app('shortlived'))).events.map((e) => e.event.type);
    expect(types.at(-1)).toBe('AppExpired');
  });

  it('does not undo decisions of the winning branch again when the projection is rebuilt', async () => {
    // A reorganisation that touched no app, handled by the reactor; then an app registered on the
    // winning branch, above the fork. A rebuild replays the ChainReorganized: it must not count as a
    // reorganisation still to handle, or the reactor would revert the legitimate registration.
    const tip = HEIGHT + 5000;
    await fx.store.append(Subjects.chain(), [makeEvent('ChainReorganized', Subjects.chain(), { forkHeight: tip, oldTipHeight: tip + 1, oldTipHash: 'old', depth: 1 })], 'any');
    await setHeight(tip + 1);
    const pendingRollbacks = async () => Number((await fx.ds.query(`SELECT count(*) AS n FROM app_registry.rollbacks WHERE true`))[0].n);
    await waitUntil(async () => (await call(fx.store.nc, Rpc.registryHeight, {})).height === tip + 1, { what: 'height after fork' });
    await waitUntil(async () => (await pendingRollbacks()) === 0, { what: 'rollback handled' });
    const msg = signed('fluxappregister', v8Spec('winner', addressFromPrivateKey(alice)), alice);
    await submit(msg);
    await pay(msg.hash, 10, tip + 1);
    await waitUntil(async () => (await specs('winner'))[0], { what: 'registration above the fork' });

    await app?.close();
    app = await startRegistry({ REBUILD_PROJECTIONS: 'true' });
    await waitUntil(async () => (await specs('winner'))[0], { what: 'registration after rebuild' });
    await waitUntil(async () => (await pendingRollbacks()) === 0, { what: 'no rollback pending after rebuild', timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 1000));
    const types = (await fx.store.readStream(Subjects.app('winner'))).events.map((e) => e.event.type);
    expect(types).toEqual(['AppMessageAccepted', 'AppRegistered']);
    expect(await specs('winner')).toHaveLength(1);
  });
});
