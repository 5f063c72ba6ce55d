import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreFixture, freePort, readJson } from '@fluxplane/testkit';
import { EventDefinitions } from '@fluxplane/contracts';
import { GatewayConfig } from '../src/config';
import { GatewayModule } from '../src/app.module';
import { configureHttp } from '../src/http';

type Operation = { parameters?: Array<{ name: string; in: string }>; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * The gateway's OpenAPI document, as served at /docs/json, checked by a standard validator (the
 * OpenAPI 3.1 JSON Schema) and by what a schema alone cannot say: every `{param}` of a path is
 * declared and every operation describes its answer's body.
 */
describe('gateway OpenAPI document', () => {
  let fx: EventStoreFixture;
  let doc: Document;
  let base: string;

  beforeAll(async () => {
    fx = await eventStoreFixture();
    const silent = createLogger('test', 'silent');
    const gcfg = loadConfig(GatewayConfig, { HTTP_PORT: String(await freePort()), NATS_URL: fx.nats.url, LOG_LEVEL: 'silent' });
    fx.own(await startService({ module: GatewayModule.forRoot(gcfg, silent), config: gcfg, logger: silent, bodyLimitBytes: gcfg.BODY_LIMIT_BYTES, configure: (a) => configureHttp(a, gcfg) }));
    base = `http://127.0.0.1:${gcfg.HTTP_PORT}`;
    doc = await readJson<Document>(await fetch(`${base}/docs/json`));
  });
  afterAll(() => fx?.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('declares every path parameter', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        for (const name of names) {
          if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) missing.push(`${method.toUpperCase()} ${path}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('types every response body (Flux envelopes on the FluxOS routes)', () => {
    const untyped: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const responses = Object.entries(op.responses ?? {});
        if (responses.length === 0) untyped.push(`${method.toUpperCase()} ${path}: no responses`);
        for (const [status, r] of responses) {
          if (!Object.values(r.content ?? {}).some((c) => c.schema)) untyped.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(untyped).toEqual([]);
    // Why an app is (not) placed, and the dry run for an unregistered spec.
    expect(doc.paths['/apps/placement/{app}']?.get).toBeDefined();
    expect(doc.paths['/apps/placement']?.post).toBeDefined();
    const stats = doc.paths['/stats'].get.responses?.['200'].content?.['application/json'].schema as { oneOf?: unknown[] };
    expect(stats.oneOf).toHaveLength(2);
  });

  it('serves the AsyncAPI 3.0 document of every event at /docs/events', async () => {
    const res = await fetch(`${base}/docs/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const events = await readJson<{ asyncapi: string; channels: Record<string, { address: string }>; components: { messages: Record<string, unknown> } }>(res);
    expect(events.asyncapi).toBe('3.0.0');
    expect(Object.keys(events.components.messages).sort()).toEqual(Object.keys(EventDefinitions).sort());
    expect(events.channels.app?.address).toBe('evt.app.{app}');
    // the Swagger UI next to it still answers
    expect((await fetch(`${base}/docs/json`)).status).toBe(200);
  });
});
