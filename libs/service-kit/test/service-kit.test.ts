import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Module } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import { z } from 'zod';
import { BaseConfig, call, ConfigError, createLogger, envBoolean, FluxError, loadConfig, Responder, ServiceKitModule, startService } from '@fluxplane/service-kit';
import { defineCommand, defineQuery, Refusal } from '@fluxplane/contracts';
import { eventStoreFixture, EventStoreFixture, EventStoreWithDatabaseFixture, freePort, readJson } from '@fluxplane/testkit';

describe('config', () => {
  it('names every bad variable and what was wrong', () => {
    const schema = BaseConfig.extend({ NODE_IP: z.ipv4() });
    let err: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: 'eighty', NATS_URL: 'http://x', NODE_IP: '300.1.1.1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/HTTP_PORT: .*\(got "eighty"\)/);
    expect(msg).toMatch(/NATS_URL: must be a nats:\/\/ URL/);
    expect(msg).toMatch(/NODE_IP: .*\(got "300.1.1.1"\)/);
  });

  it('refuses an empty number instead of reading it as 0', () => {
    // z.coerce.number() reads '' as 0: HTTP_PORT= listened on a random port, a zero timeout passed.
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '' })).toThrow(/HTTP_PORT: must not be empty \(got ""\)/);
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '80', SHUTDOWN_TIMEOUT_MS: ' ' })).toThrow(/SHUTDOWN_TIMEOUT_MS: must not be empty/);
  });

  it('refuses a boolean it does not understand instead of reading it as false', () => {
    const schema = BaseConfig.extend({ CHECKS: envBoolean.default(true) });
    expect(loadConfig(schema, { HTTP_PORT: '1', CHECKS: 'off' }).CHECKS).toBe(false);
    expect(loadConfig(schema, { HTTP_PORT: '1', CHECKS: 'Yes' }).CHECKS).toBe(true);
    expect(loadConfig(schema, { HTTP_PORT: '1' }).CHECKS).toBe(true);
    expect(() => loadConfig(schema, { HTTP_PORT: '1', CHECKS: 'ture' })).toThrow(/CHECKS: .*\(got "ture"\)/);
  });

  it('applies defaults', () => {
    const c = loadConfig(BaseConfig, { HTTP_PORT: '8080' });
    expect(c).toMatchObject({ HTTP_PORT: 8080, NATS_URL: 'nats://127.0.0.1:4222', LOG_LEVEL: 'info' });
  });
});

describe('service bootstrap', () => {
  let fx: EventStoreWithDatabaseFixture;
  let base: string;

  beforeAll(async () => {
    fx = await eventStoreFixture({ database: 'kit' });
    const port = await freePort();
    const config = loadConfig(BaseConfig, { HTTP_PORT: String(port), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent' });
    const logger = createLogger('kit-test', 'silent');
    @Module({ imports: [ServiceKitModule.forRoot({ name: 'kit-test', config, logger, database: { schema: 'kit' } })] })
    class TestModule {}
    fx.own(await startService({ module: TestModule, config, logger }));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => fx?.close());

  it('serves /health with each dependency', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    const up = { nats: { status: 'up' }, postgres: { status: 'up' } };
    expect(await res.json()).toEqual({ status: 'ok', info: up, error: {}, details: up });
  });

  it('serves Prometheus /metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="kit-test"\}/);
    // The /health call of the test before was measured, by route.
    expect(text).toMatch(/http_request_duration_seconds_count\{service="kit-test",method="GET",route="\/health",status="200"\} [1-9]/);
  });

  it('lists its projections (none here)', async () => {
    expect(await (await fetch(`${base}/projections`)).json()).toEqual([]);
  });

  it('reports a dependency that is down', async () => {
    await fx.nats.kill();
    const res = await fetch(`${base}/health`);
    const body = await readJson<HealthCheckResult>(res);
    await fx.nats.restart();
    expect(res.status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error).toEqual({ nats: { status: 'down', error: expect.any(String) } });
    expect(body.info).toEqual({ postgres: { status: 'up' } });
    expect(body.details.nats.status).toBe('down');
  });
});

describe('responder', () => {
  let fx: EventStoreFixture;
  let responder: Responder;

  beforeAll(async () => {
    fx = await eventStoreFixture();
    responder = fx.own(new Responder(fx.store, createLogger('responder-test', 'silent'), 'responder-test'));
  });
  afterAll(() => fx?.close());

  const big = defineQuery('qry.test.big', z.object({ size: z.number() }), z.string());

  it('answers an error when the reply is too large for NATS, and keeps serving', async () => {
    // Publishing a reply above max_payload throws; outside the handler's try it was an unhandled
    // rejection that killed the whole service (e.g. a growing list of app specs).
    responder.serve(big, async (q) => 'x'.repeat(q.size));
    await expect(call(fx.store.nc, big, { size: 2 * 1024 * 1024 }, 3000)).rejects.toMatchObject({ code: 500, message: expect.stringMatching(/too large|payload/i) });
    expect(await call(fx.store.nc, big, { size: 3 }, 3000)).toBe('xxx');
  });

  it('turns a reply that is not JSON into a 502 FluxError', async () => {
    const garbage = defineQuery('qry.test.garbage', z.object({}), z.unknown());
    const sub = fx.store.nc.subscribe(garbage.subject);
    void (async () => { for await (const m of sub) m.respond('<html>'); })();
    const err = await call(fx.store.nc, garbage, {}, 3000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FluxError);
    expect(err).toMatchObject({ code: 502, message: expect.stringContaining('qry.test.garbage') });
    sub.unsubscribe();
  });

  it('rejects a reply that breaks its contract, naming the subject and the field', async () => {
    const def = defineQuery('qry.test.bad-reply', z.object({}), z.array(z.object({ hash: z.string() })));
    const sub = fx.store.nc.subscribe(def.subject);
    void (async () => { for await (const m of sub) m.respond(JSON.stringify({ status: 'success', data: [{ hash: 42 }] })); })();
    await expect(call(fx.store.nc, def, {}, 3000)).rejects.toMatchObject({
      code: 502, name: 'BadGateway', message: expect.stringMatching(/qry\.test\.bad-reply.*data\.0\.hash/),
    });
    sub.unsubscribe();
  });

  it('answers a 400 naming the field of a bad request', async () => {
    const def = defineQuery('qry.test.strict', z.object({ n: z.number() }), z.number());
    responder.serve(def, (q) => q.n * 2);
    expect(await call(fx.store.nc, def, { n: 2 }, 3000)).toBe(4);
    const raw = await fx.store.nc.request(def.subject, JSON.stringify({ n: 'two' }), { timeout: 3000 });
    expect(raw.json()).toMatchObject({ status: 'error', data: { code: 400, name: 'BadRequest', message: expect.stringMatching(/^n: /) } });
  });

  it('checks its own replies against the contract', async () => {
    const def = defineQuery('qry.test.own-reply', z.object({}), z.object({ count: z.number().int() }));
    responder.serve(def, () => ({ count: 1.5 }));
    await expect(call(fx.store.nc, def, {}, 3000)).rejects.toMatchObject({ code: 500, message: expect.stringMatching(/breaks its contract.*data\.count/) });
  });

  it('answers a refusal with the codes its command declares', async () => {
    const def = defineCommand('cmd.test.refuse', z.object({ rule: z.string() }), z.null(), {
      named: { NameTaken: 409 }, otherwise: { code: 422, name: 'InvalidMessage' },
    });
    responder.serve(def, (q) => { throw new Refusal(q.rule, 'no'); });
    await expect(call(fx.store.nc, def, { rule: 'NameTaken' }, 3000)).rejects.toMatchObject({ code: 409, name: 'NameTaken', message: 'no' });
    await expect(call(fx.store.nc, def, { rule: 'ports.banned' }, 3000)).rejects.toMatchObject({ code: 422, name: 'InvalidMessage', message: 'no [ports.banned]' });
  });
});
