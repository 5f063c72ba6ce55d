import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Subjects, type EventOf } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, ProjectionHost, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, readJson, waitUntil } from '@fluxplane/testkit';
import { DomainManagerConfig } from '../src/config';
import { DomainManagerModule } from '../src/app.module';
import { DnsApplier } from '../src/reconcile/dns-applier';
import { PowerDnsProvider } from '../src/adapters/dns-powerdns';
import { dig, startPowerDns, type TestPowerDns } from './pdns-harness';
import { startHaproxy, type TestHaproxy } from './haproxy-harness';

const DOMAIN = 'fluxplane.test';
const HASH = 'b'.repeat(64);

describe('DNS records in a real PowerDNS', () => {
  let fx: EventStoreWithDatabaseFixture;
  let pdns: TestPowerDns;
  let haproxy: TestHaproxy;
  let app: NestFastifyApplication | undefined;
  let provider: PowerDnsProvider;
  let base: string;

  const spec = (name: string, ports: number[], domains: string[] = []) => ({
    version: 8, name, owner: 'o', instances: 1,
    compose: [{ name: 'web', repotag: 'x/web', ports, containerPorts: ports, domains: ports.map((_, i) => domains[i] ?? ''), containerData: '/tmp' }],
  });
  const register = (name: string, ports: number[], domains: string[] = [], type: 'AppRegistered' | 'AppUpdated' = 'AppRegistered') =>
    fx.store.append(Subjects.app(name), [makeEvent(type, Subjects.app(name), {
      name, hash: HASH, owner: 'o', spec: spec(name, ports, domains), runtime: runtimeView(spec(name, ports, domains)), txid: 'tx', height: 10,
      expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
    })], 'any');
  const expire = (name: string) => fx.store.append(Subjects.app(name), [makeEvent('AppExpired', Subjects.app(name), { name, hash: HASH, height: 22010 })], 'any');

  const settled = () => waitUntil(() => app!.get(DnsApplier).settled || undefined, { timeoutMs: 20_000, what: 'dns applier settled' });
  const dnsEvents = async () => (await fx.store.readStream(Subjects.dns(DOMAIN))).events.map((e) => e.event as EventOf<'DnsRecordsApplied'>);

  beforeAll(async () => {
    [fx, pdns, haproxy] = await Promise.all([eventStoreFixture({ database: 'dmdns' }), startPowerDns(), startHaproxy()]);
    fx.onClose(() => pdns.stop());
    fx.onClose(() => haproxy.stop());
    provider = new PowerDnsProvider({ url: pdns.apiUrl, apiKey: pdns.apiKey });
    const httpPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    const config = loadConfig(DomainManagerConfig, {
      HTTP_PORT: String(httpPort), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent', APP_DOMAIN: DOMAIN,
      HAPROXY_CONFIG: haproxy.config, HAPROXY_MAP: haproxy.map, HAPROXY_MASTER_SOCKET: haproxy.master, HAPROXY_ADMIN_SOCKET: haproxy.admin,
      HAPROXY_BIND: `127.0.0.1:${haproxy.port}`, APPLY_DEBOUNCE_MS: '50', RESYNC_INTERVAL_MS: '0',
      DNS_PROVIDER: 'powerdns', PDNS_API_URL: pdns.apiUrl, PDNS_API_KEY: pdns.apiKey, DNS_CUSTOM_ZONES: 'custom.test', DNS_TARGETS: '127.0.0.1,127.0.0.9',
      DNS_RESYNC_INTERVAL_MS: '0',
    });
    const logger = createLogger('domain-manager', 'silent');
    fx.onClose(() => app?.close());
    app = await startService({ module: DomainManagerModule.forRoot(config, logger), config, logger });
    await app.get(ProjectionHost).catchUp();
  }, 120_000);

  afterAll(() => fx?.close());

  it('creates the zones and resolves every app name and custom domain at the load balancers', async () => {
    const t0 = performance.now();
    await register('demo', [31000, 31001]);
    await register('shop', [32000], ['https://www.Shop.custom.test']);
    const lbs = ['127.0.0.1', '127.0.0.9'];
    await waitUntil(async () => (await dig(pdns.dnsPort, 'www.shop.custom.test')).length === 2, { timeoutMs: 20_000, intervalMs: 20, what: 'records in PowerDNS' });
    console.log(`[dns] AppRegistered → dig answers (zones created on this first pass): ${(performance.now() - t0).toFixed(0)} ms (debounce 50 ms)`);
    for (const name of ['demo.app.fluxplane.test', 'demo_31000.app.fluxplane.test', 'demo_31001.app.fluxplane.test', 'shop.app.fluxplane.test', 'shop.custom.test', 'www.shop.custom.test']) {
      expect(await dig(pdns.dnsPort, name), name).toEqual(lbs);
    }
    await settled();
    const events = await dnsEvents();
    const upserted = events.flatMap((e) => e.data.zones.flatMap((z) => z.upserted.map((r) => r.name)));
    expect(upserted).toEqual(expect.arrayContaining(['demo.app.fluxplane.test', 'shop.custom.test']));
    expect(events[0]!.data).toMatchObject({ domain: DOMAIN, provider: 'powerdns' });
    // One batch per zone per pass.
    for (const e of events) expect(new Set(e.data.zones.map((z) => z.zone)).size).toBe(e.data.zones.length);
  });

  it('removes stale records it owns and leaves records it does not own', async () => {
    // One of ours that nothing wants (as after a crash between decisions), and one an operator added by hand.
    await provider.apply({ zone: 'app.fluxplane.test', upserts: [{ name: 'ghost.app.fluxplane.test', type: 'A', ttl: 60, contents: ['127.0.0.1'] }], deletes: [] });
    const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/app.fluxplane.test.`, {
      method: 'PATCH', headers: { 'X-API-Key': pdns.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ rrsets: [{ name: 'manual.app.fluxplane.test.', type: 'A', ttl: 60, changetype: 'REPLACE', records: [{ content: '127.0.0.7', disabled: false }] }] }),
    });
    expect(res.status).toBe(204);
    expect(await dig(pdns.dnsPort, 'ghost.app.fluxplane.test')).toEqual(['127.0.0.1']);
    const t1 = performance.now();
    await register('other', [34000]); // any change triggers a full pass
    await waitUntil(async () => (await dig(pdns.dnsPort, 'ghost.app.fluxplane.test')).length === 0, { timeoutMs: 20_000, intervalMs: 50, what: 'stale record removed' });
    expect(await dig(pdns.dnsPort, 'other.app.fluxplane.test')).toEqual(['127.0.0.1', '127.0.0.9']);
    console.log(`[dns] AppRegistered of a new app → its name resolves and the stale one is gone: ${(performance.now() - t1).toFixed(0)} ms`);
    expect(await dig(pdns.dnsPort, 'manual.app.fluxplane.test')).toEqual(['127.0.0.7']);
  });

  it('drops the records of a port an update removed, and of a domain it dropped', async () => {
    await register('demo', [31000], [], 'AppUpdated');
    await register('shop', [32000], [], 'AppUpdated');
    await waitUntil(async () => (await dig(pdns.dnsPort, 'demo_31001.app.fluxplane.test')).length === 0 && (await dig(pdns.dnsPort, 'shop.custom.test')).length === 0,
      { timeoutMs: 20_000, intervalMs: 50, what: 'records of the dropped port and domain removed' });
    expect(await dig(pdns.dnsPort, 'demo_31000.app.fluxplane.test')).toEqual(['127.0.0.1', '127.0.0.9']);
    expect(await dig(pdns.dnsPort, 'www.shop.custom.test')).toEqual([]);
  });

  it('removes an app\'s records when it expires, and says so in DnsRecordsApplied', async () => {
    await expire('demo');
    await waitUntil(async () => (await dig(pdns.dnsPort, 'demo.app.fluxplane.test')).length === 0, { timeoutMs: 20_000, intervalMs: 50, what: 'expired app record removed' });
    expect(await dig(pdns.dnsPort, 'demo_31000.app.fluxplane.test')).toEqual([]);
    expect(await dig(pdns.dnsPort, 'shop.app.fluxplane.test')).toEqual(['127.0.0.1', '127.0.0.9']);
    await settled();
    const last = (await dnsEvents()).at(-1)!;
    expect(last.data.zones).toEqual([{ zone: 'app.fluxplane.test', upserted: [], deleted: [
      { name: 'demo.app.fluxplane.test', type: 'A' }, { name: 'demo_31000.app.fluxplane.test', type: 'A' },
    ] }]);
    // GET /dns shows the same last change.
    const dns = await readJson<{ data: { provider: string; lastChange: { zones: unknown } } }>(await fetch(`${base}/dns`));
    expect(dns.data).toMatchObject({ provider: 'powerdns', lastChange: { zones: last.data.zones } });
  });

  it('repairs a record deleted behind its back on the next pass, and writes nothing when all is in place', async () => {
    await provider.apply({ zone: 'app.fluxplane.test', upserts: [], deletes: [{ name: 'shop.app.fluxplane.test', type: 'A' }] });
    expect(await dig(pdns.dnsPort, 'shop.app.fluxplane.test')).toEqual([]);
    const before = (await dnsEvents()).length;
    await register('other', [34000], [], 'AppUpdated');
    await waitUntil(async () => (await dig(pdns.dnsPort, 'shop.app.fluxplane.test')).length === 2, { timeoutMs: 20_000, intervalMs: 50, what: 'record repaired' });
    await settled();
    expect((await dnsEvents()).length).toBe(before + 1);
    await register('other', [34000], [], 'AppUpdated');
    await new Promise((r) => setTimeout(r, 500));
    await settled();
    expect((await dnsEvents()).length).toBe(before + 1);
  });
});
