import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queries } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { exampleSpec } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { freePort, startNats, TestNats } from '@fluxplane/testkit';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';

/**
 * The gateway against a NATS with hand-made backends (or none): what a client sees when a backing
 * service is down or fails, and what the rate limit keys on.
 */
describe('gateway hardening', () => {
  let nats: TestNats;
  let store: EventStore;
  const gateways: NestFastifyApplication[] = [];

  async function startGateway(env: Record<string, string> = {}): Promise<string> {
    const silent = createLogger('test', 'silent');
    const port = await freePort();
    const cfg = loadConfig(GatewayConfig, { HTTP_PORT: String(port), NATS_URL: nats.url, LOG_LEVEL: 'silent', REQUEST_TIMEOUT_MS: '3000', ...env });
    gateways.push(await startService({ module: GatewayModule.forRoot(cfg, silent), config: cfg, logger: silent, configure: (a) => configureHttp(a, cfg) }));
    return `http://127.0.0.1:${port}`;
  }

  /** A fake backend answering `subject` with a Flux reply envelope (subscribed on the server when it resolves). */
  async function serve(subject: string, reply: unknown) {
    const sub = store.nc.subscribe(subject);
    void (async () => {
      for await (const m of sub) m.respond(JSON.stringify(reply));
    })();
    await store.nc.flush();
    return sub;
  }

  let base: string;
  beforeAll(async () => {
    nats = await startNats();
    store = await EventStore.connect({ servers: nats.url });
    base = await startGateway();
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await store?.close();
    await nats?.stop();
  });

  it('answers a clean 503 Flux error at once when no backing service is running', async () => {
    const t0 = Date.now();
    const res = await fetch(`${base}/apps/locations`);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', data: { code: 503, name: 'ServiceUnavailable' } });
  });

  it('does not pass a backend\'s internal error text to the public', async () => {
    const sub = await serve(Queries.statsSummary, {
      status: 'error', data: { code: 500, name: 'InternalError', message: 'password authentication failed for user "fluxplane" at 10.0.0.5:5432' },
    });
    try {
      const body = await (await fetch(`${base}/stats`)).json();
      expect(body).toMatchObject({ status: 'error', data: { code: 500, name: 'InternalError' } });
      expect(JSON.stringify(body)).not.toMatch(/password|10\.0\.0\.5/);
    } finally {
      sub.unsubscribe();
    }
  });

  it('reads an empty ?height= as no height, not as rules height 0', async () => {
    const subs = await Promise.all([
      serve(Queries.registryHeight, { status: 'success', data: { height: 100, rulesHeight: 2_200_100 } }),
      serve(Queries.appSpecs, { status: 'success', data: [] }),
    ]);
    try {
      const spec = { ...exampleSpec(8), name: 'emptyheight', owner: '1CbErtneaX2QVyUfwU7JGB7VzvPgrgc3uC' };
      const res = await fetch(`${base}/apps/verifyappregistrationspecifications?height=`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec),
      });
      expect(await res.json()).toMatchObject({ status: 'success', data: { name: 'emptyheight' } });
    } finally {
      for (const s of subs) s.unsubscribe();
    }
  });

  it('answers fluxd being down with a 503 that does not reveal where fluxd is', async () => {
    const closed = await freePort();
    const gw = await startGateway({ FLUXD_RPC_URL: `http://127.0.0.1:${closed}` });
    const res = await fetch(`${gw}/daemon/getblockcount`);
    const body = await res.json();
    expect(res.status).toBe(503);
    expect(body).toMatchObject({ status: 'error', data: { code: 503, name: 'DaemonUnavailable' } });
    expect(JSON.stringify(body)).not.toContain(String(closed));
  });

  it('rate-limits by the connecting address: a made-up X-Forwarded-For is not a new client', async () => {
    const limited = await startGateway({ RATE_LIMIT_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${limited}/apps/latestspecificationversion`, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
  });
});
