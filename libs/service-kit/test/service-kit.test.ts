import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Module } from '@nestjs/common';
import { z } from 'zod';
import { BaseConfig, ConfigError, createLogger, envBoolean, loadConfig, ReplyError, request, Responder, ServiceKitModule, startService } from '@fluxplane/service-kit';
import { EventStore } from '@fluxplane/eventstore';
import { createTestDatabase, freePort, startNats, TestDatabase, TestNats } from '@fluxplane/testkit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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
  let nats: TestNats;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('kit');
    const port = await freePort();
    const config = loadConfig(BaseConfig, { HTTP_PORT: String(port), NATS_URL: nats.url, DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    const logger = createLogger('kit-test', 'silent');
    @Module({ imports: [ServiceKitModule.forRoot({ name: 'kit-test', config, logger, database: { schema: 'kit' } })] })
    class TestModule {}
    app = await startService({ module: TestModule, config, logger });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await nats?.stop();
  });

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
    await nats.kill();
    const res = await fetch(`${base}/health`);
    const body = await res.json();
    await nats.restart();
    expect(res.status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error).toEqual({ nats: { status: 'down', error: expect.any(String) } });
    expect(body.info).toEqual({ postgres: { status: 'up' } });
    expect(body.details.nats.status).toBe('down');
  });
});

describe('responder', () => {
  let nats: TestNats;
  let store: EventStore;
  let responder: Responder;

  beforeAll(async () => {
    nats = await startNats();
    store = await EventStore.connect({ servers: nats.url });
    responder = new Responder(store, createLogger('responder-test', 'silent'), 'responder-test');
  });
  afterAll(async () => {
    responder?.close();
    await store?.close();
    await nats?.stop();
  });

  it('answers an error when the reply is too large for NATS, and keeps serving', async () => {
    // Publishing a reply above max_payload throws; outside the handler's try it was an unhandled
    // rejection that killed the whole service (e.g. a growing list of app specs).
    responder.serve('qry.test.big', z.object({ size: z.number() }), async (q) => 'x'.repeat(q.size));
    await expect(request(store, 'qry.test.big', { size: 2 * 1024 * 1024 }, 3000)).rejects.toMatchObject({ code: 500, message: expect.stringMatching(/too large|payload/i) });
    expect(await request(store, 'qry.test.big', { size: 3 }, 3000)).toBe('xxx');
  });

  it('turns a reply that is not JSON into a ReplyError', async () => {
    const sub = store.nc.subscribe('qry.test.garbage');
    void (async () => { for await (const m of sub) m.respond('<html>'); })();
    await expect(request(store, 'qry.test.garbage', {}, 3000)).rejects.toBeInstanceOf(ReplyError);
    sub.unsubscribe();
  });
});
