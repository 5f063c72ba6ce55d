import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudflareProvider } from '../src/adapters/dns-cloudflare';
import { OWNER_MARK } from '../src/adapters/dns-provider';
import { desiredDnsRecords, type DesiredZone } from '../src/domain/dns-records';
import { planDns } from '../src/domain/dns-plan';
import { CloudflareFake } from './cloudflare-fake';

/** One reconcile pass the way the DNS applier does it: read, plan, one batch per zone with changes. */
async function pass(provider: CloudflareProvider, desired: DesiredZone[]) {
  const actual = new Map();
  for (const z of desired) {
    await provider.ensureZone(z.zone);
    actual.set(z.zone, await provider.records(z.zone));
  }
  const plan = planDns(desired, actual);
  for (const zone of plan) await provider.apply(zone);
  return plan;
}

describe('Cloudflare provider against its documented wire format (a local stand-in)', () => {
  const fake = new CloudflareFake('cf-test-token');
  let provider: CloudflareProvider;
  const settings = { domain: 'fluxplane.test', targets: ['203.0.113.10', '203.0.113.11'], ttl: 60, customZones: ['custom.test'] };
  const hosts = (...names: string[]) => ({ hosts: names.map((host) => ({ host, backend: 'be' })) });

  beforeAll(async () => {
    await fake.start();
    fake.addZone('app.fluxplane.test');
    fake.addZone('custom.test');
    // An operator's own record in the zone: never ours to touch.
    fake.addRecord('app.fluxplane.test', { name: 'status.app.fluxplane.test', type: 'A', content: '198.51.100.1', ttl: 300 });
    provider = new CloudflareProvider({ url: fake.url, token: 'cf-test-token', perPage: 2 });
  });
  afterAll(() => fake.stop());

  it('creates one record per value, DNS-only and marked, in one batch per zone', async () => {
    const desired = desiredDnsRecords(hosts('demo.app.fluxplane.test', 'demo_31000.app.fluxplane.test', 'shop.custom.test'), settings);
    fake.requests.length = 0;
    await pass(provider, desired);
    const batches = fake.requests.filter((r) => r.path.endsWith('/dns_records/batch'));
    expect(batches).toHaveLength(2);
    expect(fake.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/batch'))).toEqual([]);
    const appBatch = batches.find((b) => JSON.stringify(b.body).includes('demo.app'))!.body as { posts: unknown[] };
    expect(appBatch.posts).toContainEqual({ name: 'demo.app.fluxplane.test', type: 'A', content: '203.0.113.10', ttl: 60, proxied: false, comment: OWNER_MARK });
    expect(fake.recordsOf('app.fluxplane.test').map((r) => `${r.name} ${r.content}`)).toEqual([
      'demo_31000.app.fluxplane.test 203.0.113.10', 'demo_31000.app.fluxplane.test 203.0.113.11',
      'demo.app.fluxplane.test 203.0.113.10', 'demo.app.fluxplane.test 203.0.113.11',
      'status.app.fluxplane.test 198.51.100.1',
    ].sort((a, b) => a.localeCompare(b)));
    expect(fake.recordsOf('custom.test').map((r) => r.name)).toEqual(['shop.custom.test', 'shop.custom.test']);
    // Listed page by page (2 per page here), grouped back into rrsets, only the marked ones.
    expect(await provider.records('app.fluxplane.test')).toEqual(expect.arrayContaining([
      { name: 'demo.app.fluxplane.test', type: 'A', ttl: 60, contents: ['203.0.113.10', '203.0.113.11'] },
    ]));
    expect((await provider.records('app.fluxplane.test')).map((r) => r.name)).not.toContain('status.app.fluxplane.test');
    expect(await pass(provider, desired)).toEqual([]);
  });

  it('moves a changed target, patches a changed TTL and deletes stale records in one batch', async () => {
    const desired = desiredDnsRecords(hosts('demo.app.fluxplane.test'), { ...settings, targets: ['203.0.113.10', '203.0.113.12'], ttl: 120 });
    fake.requests.length = 0;
    await pass(provider, desired);
    const batches = fake.requests.filter((r) => r.path.endsWith('/dns_records/batch'));
    expect(batches).toHaveLength(2); // app zone (changes), custom zone (shop.custom.test is stale)
    const app = batches.find((b) => JSON.stringify(b.body).includes('demo.app'))!.body as { deletes: unknown[]; patches: unknown[]; posts: unknown[] };
    expect(app.patches).toEqual([expect.objectContaining({ name: 'demo.app.fluxplane.test', content: '203.0.113.10', ttl: 120 })]);
    expect(app.posts).toEqual([expect.objectContaining({ name: 'demo.app.fluxplane.test', content: '203.0.113.12', ttl: 120 })]);
    expect(app.deletes).toHaveLength(3); // the old .11 value, and both values of demo_31000
    expect(fake.recordsOf('app.fluxplane.test').map((r) => `${r.name} ${r.content} ${r.ttl}`)).toEqual([
      'demo.app.fluxplane.test 203.0.113.10 120', 'demo.app.fluxplane.test 203.0.113.12 120', 'status.app.fluxplane.test 198.51.100.1 300',
    ]);
    expect(fake.recordsOf('custom.test')).toEqual([]);
  });

  it('names what went wrong: an unknown zone, a rejected token', async () => {
    await expect(provider.ensureZone('missing.test')).rejects.toThrow(/zone missing\.test is not in the account/);
    const bad = new CloudflareProvider({ url: fake.url, token: 'wrong' });
    await expect(bad.ping()).rejects.toThrow(/HTTP 403: 10000 Authentication error/);
    await expect(provider.ping()).resolves.toBeUndefined();
  });
});
