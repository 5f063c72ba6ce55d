import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import {
  errorData, eventStoreFixture, EventStoreWithDatabaseFixture, freePort, getReply, readJson, readReply, successData, waitUntil,
} from '@fluxplane/testkit';
import {
  addressFromPrivateKey, exampleSpec, formatSpec, FluxAppSpec, messageHash, minimumAcceptedFlux, randomPrivateKey, registrationAmount, signMessage,
  signedText, updateAmount,
} from '@fluxplane/flux-spec';
import { RegistryConfig } from '../../app-registry/src/config';
import { AppRegistryModule } from '../../app-registry/src/app.module';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';
import { login, selfSignedAuth } from './login';

const HEIGHT = 2_200_000;

function signedRegister(spec: Record<string, unknown>, key: Uint8Array) {
  const timestamp = Date.now();
  const signature = signMessage(signedText('fluxappregister', 1, spec, timestamp), key);
  return { type: 'fluxappregister', version: 1, appSpecifications: spec, timestamp, signature, hash: messageHash('fluxappregister', 1, spec, timestamp, signature) };
}

describe('gateway', () => {
  let fx: EventStoreWithDatabaseFixture;
  let registry: NestFastifyApplication;
  let base: string;
  const key = randomPrivateKey();

  let auth: string;

  /** POSTs `body` and reads the Flux reply; `T` is the success data the test expects. */
  const post = async <T = unknown>(path: string, body: unknown, contentType = 'application/json', zelidauth: string | null = auth) => {
    const headers: Record<string, string> = { 'content-type': contentType, ...(zelidauth ? { zelidauth } : {}) };
    return readReply<T>(await fetch(`${base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
  };
  const get = <T = unknown>(path: string) => getReply<T>(`${base}${path}`);
  type Price = { usd: number | null; kind: string; flux: number; rulesHeight: number };

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'gw' });
    const silent = createLogger('test', 'silent');
    const rcfg = loadConfig(RegistryConfig, { HTTP_PORT: String(await freePort()), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent', REACTOR_INTERVAL_MS: '200' });
    registry = fx.own(await startService({ module: AppRegistryModule.forRoot(rcfg, silent), config: rcfg, logger: silent }));
    const port = await freePort();
    const gcfg = loadConfig(GatewayConfig, { HTTP_PORT: String(port), NATS_URL: fx.nats.url, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000', BODY_LIMIT_BYTES: '20000' });
    fx.own(await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, bodyLimitBytes: gcfg.BODY_LIMIT_BYTES, configure: (a) => configureHttp(a, gcfg) }));
    base = `http://127.0.0.1:${port}`;
    await fx.store.append(Subjects.chain(), [makeEvent('BlockIndexed', Subjects.chain(), { height: HEIGHT, hash: 'h', previousHash: null, time: 1, txCount: 1 })], 'any');
    await waitUntil(async () => (await registry.get(AppRegistryModule) && (await fetch(`${base}/apps/hashes`)).ok), { what: 'gateway' });
    await waitUntil(async () => {
      const info = await get<{ rulesHeight: number }>('/apps/deploymentinformation');
      return info.status === 'success' && info.data.rulesHeight === HEIGHT;
    }, { what: 'registry at the test height' });
    auth = await login(base, key);
  });
  afterAll(() => fx?.close());

  it('registers a signed spec posted as JSON text and lists it once paid', async () => {
    const spec = exampleSpec(8);
    spec.name = 'gwdemo';
    spec.owner = addressFromPrivateKey(key);
    const msg = signedRegister(spec, key);
    const res = await post('/apps/appregister', JSON.stringify(msg), 'text/plain');
    expect(res).toMatchObject({ http: 200, body: { status: 'success', data: msg.hash } });
    await fx.store.append(Subjects.chain(), [makeEvent('AppPaymentConfirmed', Subjects.chain(), { hash: msg.hash, txid: 'tx1', height: HEIGHT, amountSat: 50e8, address: 't3' })], 'any');
    const listed = await waitUntil(async () => successData(await get<unknown[]>('/apps/globalappsspecifications'))[0], { what: 'listing' });
    expect(listed).toMatchObject({ name: 'gwdemo', hash: msg.hash, height: HEIGHT });
    expect(await get('/apps/appowner/gwdemo')).toEqual({ status: 'success', data: spec.owner });
    expect(successData(await get<FluxAppSpec>('/apps/appspecifications/gwdemo')).name).toBe('gwdemo');
    expect(successData(await get<unknown[]>('/apps/permanentmessages'))[0]).toMatchObject({ hash: msg.hash, valueSat: 50e8 });
  });

  it('answers bad requests with a Flux error naming the problem and records nothing', async () => {
    const spec = exampleSpec(8);
    spec.name = 'gwbad';
    spec.owner = addressFromPrivateKey(key);
    const other = randomPrivateKey();
    const forged = signedRegister(spec, other);
    const bad = await post('/apps/appregister', forged);
    expect(bad.body).toMatchObject({ status: 'error', data: { code: expect.any(Number), name: expect.any(String), message: expect.stringMatching(/signature/i) } });

    const malformed = await post('/apps/appregister', { type: 'fluxappregister', version: 1, appSpecifications: spec, timestamp: 'yesterday', signature: 'x', hash: 'nothex' });
    expect(malformed.body.status).toBe('error');
    expect(errorData(malformed.body).message).toMatch(/message\.timestamp/);
    expect(errorData(malformed.body).message).toMatch(/message\.hash/);

    const notJson = await post('/apps/appregister', '{oops', 'text/plain');
    expect(notJson.body).toMatchObject({ status: 'error', data: { code: 400, name: 'BadRequest', message: expect.stringMatching(/not valid JSON/) } });

    const tooBig = await post('/apps/appregister', 'x'.repeat(30000), 'text/plain');
    expect(tooBig.http).toBe(413);
    expect(tooBig.body.status).toBe('error');

    expect((await fx.store.readStream(Subjects.app('gwbad'))).events).toHaveLength(0);
    expect(successData(await get<Array<{ hash: string }>>('/apps/temporarymessages')).filter((m) => m.hash === forged.hash)).toHaveLength(0);
  });

  it('names what is wrong with a URL, in the Flux envelope: a control character, an overlong or broken parameter', async () => {
    const raw = async (path: string) => {
      const { http, body } = await readReply(await fetch(`${base}${path}`));
      return { http, body };
    };
    expect((await raw('/apps/appspecifications/a%00b')).body).toEqual({ status: 'error', data: { code: 400, name: 'BadRequest', message: 'name: must not contain control characters' } });
    expect((await raw('/apps/permanentmessages/x%00')).body).toMatchObject({ status: 'error', data: { code: 400, message: expect.stringMatching(/^hash: .*control characters/) } });
    expect((await raw(`/apps/appspecifications/${'a'.repeat(64)}`)).body).toMatchObject({ status: 'error', data: { code: 400, message: expect.stringMatching(/^name: .*63/) } });
    const long = await raw(`/apps/appspecifications/${'a'.repeat(5000)}`);
    expect(long).toMatchObject({ http: 414, body: { status: 'error', data: { code: 414, name: 'URITooLong' } } });
    const broken = await raw('/apps/appspecifications/%ZZ');
    expect(broken).toMatchObject({ http: 400, body: { status: 'error', data: { code: 400, name: 'BadRequest', message: expect.stringMatching(/not a valid url component/) } } });
  });

  it('returns a Flux error for an unknown app', async () => {
    expect(await get('/apps/appspecifications/nosuchapp')).toMatchObject({ status: 'error', data: { code: 404 } });
  });

  describe('spec routes', () => {
    const fresh = (name: string): Record<string, unknown> => ({ ...exampleSpec(8), name, owner: addressFromPrivateKey(key) });

    it('answers the latest spec version and deployment information from flux-spec at the rules height', async () => {
      expect(await get('/apps/latestspecificationversion')).toEqual({ status: 'success', data: 8 });
      const info = successData(await get<{ bannedPorts: unknown[]; enterprisePorts: unknown[] }>('/apps/deploymentinformation'));
      expect(info).toMatchObject({
        address: 't3NryfAQLGeFs9jEoeqsxmBN2QLRaRKFLUX', portMin: 1, portMax: 65535, minimumInstances: 1, maximumInstances: 100,
        minBlocksAllowance: 1, maxBlocksAllowance: 1_056_000, blocksLasting: 88_000, rulesHeight: HEIGHT,
        appSpecsEnforcementHeights: { 8: 1_932_380 }, currentPrice: { cpu: 0.03, ram: 0.01 },
      });
      expect(info.bannedPorts).toEqual(expect.arrayContaining(['16100-16299', 22, 53]));
      expect(info.enterprisePorts).toEqual(['0-1023', 8080, 8081, 8443, 6667]);
    });

    it('verifies a registration: the formatted spec, the failing rule by name, warnings in a header', async () => {
      const spec = fresh('gwverify');
      const ok = await post('/apps/verifyappregistrationspecifications', { ...spec, unknownKey: 1 });
      expect(ok.body).toEqual({ status: 'success', data: formatSpec(spec) });
      expect(JSON.parse(ok.warnings!)).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'format.droppedKey', path: 'unknownKey' })]));

      const banned = await post('/apps/verifyappregistrationspecifications', { ...spec, compose: [{ ...(spec.compose as object[])[0], ports: [16127] }] });
      expect(banned.body).toMatchObject({ status: 'error', data: { code: 422, message: expect.stringMatching(/compose\[0\]\.ports\[0\].*\[ports\.banned\]/) } });

      const taken = await post('/apps/verifyappregistrationspecifications', fresh('GWDEMO'));
      expect(errorData(taken.body).message).toMatch(/\[name\.conflict\]/);

      const beforeV8 = await post('/apps/verifyappregistrationspecifications?height=1900000', spec);
      expect(errorData(beforeV8.body).message).toMatch(/\[version\.notActive\]/);
      const badHeight = await post('/apps/verifyappregistrationspecifications?height=soon', spec);
      expect(badHeight.body).toMatchObject({ status: 'error', data: { code: 400, message: expect.stringMatching(/query\.height/) } });
      const notObject = await post('/apps/verifyappregistrationspecifications', '[1,2]', 'text/plain');
      expect(errorData(notObject.body).message).toMatch(/^spec: /);
    });

    it('refuses at verification a custom domain a registered app already claims, naming it and its owner', async () => {
      const withDomain = (name: string, domain: string) => {
        const spec = fresh(name);
        (spec.compose as Array<Record<string, unknown>>)[0]!.domains = [domain];
        return spec;
      };
      const owner = signedRegister(withDomain('gwshop', 'shop.gw.test'), key);
      expect((await post('/apps/appregister', owner)).body).toMatchObject({ status: 'success' });
      await fx.store.append(Subjects.chain(), [makeEvent('AppPaymentConfirmed', Subjects.chain(), { hash: owner.hash, txid: 'txshop', height: HEIGHT, amountSat: 50e8, address: 't3' })], 'any');
      await waitUntil(async () => (await get('/apps/appspecifications/gwshop')).status === 'success' || undefined, { what: 'gwshop registered' });
      const late = await post('/apps/verifyappregistrationspecifications', withDomain('gwshoplate', 'https://www.SHOP.gw.test/'));
      expect(late.body).toEqual({ status: 'error', data: { code: 409, name: 'DomainTaken', message: expect.stringContaining('domain shop.gw.test is already claimed by app gwshop') } });
      const registerLate = await post('/apps/appregister', signedRegister(withDomain('gwshoplate', 'shop.gw.test'), key));
      expect(registerLate.body).toMatchObject({ status: 'error', data: { code: 409, name: 'DomainTaken' } });
      // The owner's own update keeps its domain; a free domain passes.
      const current = successData(await get<FluxAppSpec>('/apps/appspecifications/gwshop'));
      expect((await post('/apps/verifyappupdatespecifications', { ...formatSpec(current), description: 'v2' })).body).toMatchObject({ status: 'success' });
      expect((await post('/apps/verifyappregistrationspecifications', withDomain('gwshopfree', 'free.gw.test'))).body).toMatchObject({ status: 'success' });
    });

    it('verifies an update against the registered app', async () => {
      const current = successData(await get<FluxAppSpec>('/apps/appspecifications/gwdemo'));
      const changed = { ...formatSpec(current), description: 'changed', instances: 5 };
      expect((await post('/apps/verifyappupdatespecifications', changed)).body).toEqual({ status: 'success', data: formatSpec(changed) });
      const unknown = await post('/apps/verifyappupdatespecifications', fresh('gwnotthere'));
      expect(unknown.body).toMatchObject({ status: 'error', data: { code: 404, name: 'AppNotFound' } });
    });

    // Quoted: the smallest amount FluxOS accepts (valueSat >= price * 1e8 in doubles; 0.67 → 0.67000001).
    it('prices a new spec as a registration and a registered name as an update, for the next block', async () => {
      const spec = fresh('gwprice');
      const price = successData((await post<Price>('/apps/calculateprice', spec)).body);
      const registration = registrationAmount(formatSpec(spec) as unknown as FluxAppSpec, HEIGHT + 1);
      expect(price).toMatchObject({ usd: null, kind: 'registration', flux: minimumAcceptedFlux(registration) });
      const current = successData(await get<FluxAppSpec>('/apps/appspecifications/gwdemo'));
      const update = { ...formatSpec(current), instances: 10 };
      const updatePrice = successData((await post<Price>('/apps/calculateprice', update)).body);
      expect(updatePrice.kind).toBe('update');
      expect(updatePrice.flux).toBe(minimumAcceptedFlux(updateAmount(formatSpec(update) as unknown as FluxAppSpec, HEIGHT + 1, { spec: current, height: HEIGHT })));
      expect(errorData((await post('/apps/calculateprice', { ...spec, instances: 1000 })).body).message).toMatch(/\[instances\.tooMany\]/);
    });

    it('prices at the rules height given as ?height=, like the verify routes', async () => {
      const spec = fresh('gwpriceat');
      // Before the PON fork (2020000) a month is 22000 blocks, not 88000, so the same expire costs more.
      const before = successData((await post<Price>('/apps/calculateprice?height=2000000', spec)).body);
      expect(before).toMatchObject({ kind: 'registration', rulesHeight: 2_000_000, flux: minimumAcceptedFlux(registrationAmount(formatSpec(spec) as unknown as FluxAppSpec, 2_000_001)) });
      expect(before.flux).not.toBe(successData((await post<Price>('/apps/calculateprice', spec)).body).flux);
      expect(errorData((await post('/apps/calculateprice?height=1900000', spec)).body).message).toMatch(/\[version\.notActive\]/);
      const badHeight = await post('/apps/calculateprice?height=soon', spec);
      expect(badHeight.body).toMatchObject({ status: 'error', data: { code: 400, message: expect.stringMatching(/query\.height/) } });
    });

    it('serves the OpenAPI document at /docs', async () => {
      const doc = await readJson<{ paths: Record<string, Record<string, { parameters?: unknown[] }>> }>(await fetch(`${base}/docs/json`));
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
        '/apps/appregister', '/apps/verifyappregistrationspecifications', '/apps/calculateprice', '/id/loginphrase', '/id/verifylogin',
      ]));
      expect(doc.paths['/apps/appregister'].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'zelidauth', in: 'header' })]));
      expect((await fetch(`${base}/docs`)).status).toBe(200);
    });
  });

  describe('auth', () => {
    const registerAs = async (name: string, zelidauth: string | null) => {
      const spec = { ...exampleSpec(8), name, owner: addressFromPrivateKey(key) };
      return (await post('/apps/appregister', signedRegister(spec, key), 'application/json', zelidauth)).body;
    };

    it('refuses the user routes without a valid zelidauth, naming what is wrong', async () => {
      expect(await registerAs('gwauth1', null)).toMatchObject({ status: 'error', data: { code: 401, message: expect.stringMatching(/zelidauth header is required/) } });
      expect(errorData(await registerAs('gwauth1', '{"zelid":"1abc"}')).message).toMatch(/zelidauth\.signature: is required/);
      const other = JSON.parse(selfSignedAuth(randomPrivateKey()));
      const forged = JSON.stringify({ ...other, zelid: addressFromPrivateKey(key) });
      expect((await registerAs('gwauth1', forged)).data).toMatchObject({ code: 401, message: expect.stringMatching(/zelidauth\.signature/) });
      const stale = selfSignedAuth(key, Date.now() - 17 * 3600_000);
      expect((await registerAs('gwauth1', stale)).data).toMatchObject({ code: 401, message: expect.stringMatching(/zelidauth\.loginPhrase: is older than 960 minutes/) });
      expect(successData(await get<Array<{ appSpecifications: { name: string } }>>('/apps/temporarymessages')).filter((m) => m.appSpecifications.name === 'gwauth1')).toHaveLength(0);
    });

    it('accepts a signed phrase under 16 h without a login, in JSON or query-string form', async () => {
      expect((await registerAs('gwauth2', selfSignedAuth(key))).status).toBe('success');
      const qs = new URLSearchParams(JSON.parse(selfSignedAuth(key, Date.now() - 3600_000))).toString();
      expect((await registerAs('gwauth3', qs)).status).toBe('success');
    });

    it('logs in once per issued phrase, with a valid signature of it', async () => {
      const phrase = successData(await get<string>('/id/loginphrase'));
      expect(phrase).toMatch(/^\d{13}[a-z0-9]{27,57}$/);
      expect(Math.abs(Number(phrase.slice(0, 13)) - Date.now())).toBeLessThan(60_000);
      const zelid = addressFromPrivateKey(key);
      const wrongKey = await post('/id/verifylogin', { zelid, signature: signMessage(phrase, randomPrivateKey()), loginPhrase: phrase });
      expect(wrongKey.body).toMatchObject({ status: 'error', data: { code: 401, message: expect.stringMatching(/^signature:/) } });
      const body = { zelid, signature: signMessage(phrase, key), loginPhrase: phrase };
      const ok = await post<{ expireAt: string }>('/id/verifylogin', body);
      expect(ok.body).toMatchObject({ status: 'success', data: { message: 'Successfully logged in', zelid, loginPhrase: phrase, privilage: 'user' } });
      expect(new Date(successData(ok.body).expireAt).getTime() - Number(phrase.slice(0, 13))).toBe(14 * 24 * 3600_000);
      expect(errorData((await post('/id/verifylogin', body)).body).message).toMatch(/already used/);
      const madeUp = `${Date.now()}${'x'.repeat(40)}`;
      expect(errorData((await post('/id/verifylogin', { zelid, signature: signMessage(madeUp, key), loginPhrase: madeUp })).body).message).toMatch(/was not issued/);
      expect((await post('/id/verifylogin', { zelid: 'nope', signature: 'x', loginPhrase: phrase })).body.data).toMatchObject({ code: 400, message: expect.stringMatching(/^zelid:/) });
      expect(errorData((await post('/id/verifylogin', { signature: 'x' })).body).message).toMatch(/body\.zelid: zelid is required/);
    });
  });
});
