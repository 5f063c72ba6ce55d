import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Subjects, type EventOf } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { Network, networkWithStoreForFile } from './harness';

const DOMAIN = 'dns.fluxplane.test';
const CUSTOM_ZONE = 'custom.test';
const run = promisify(execFile);

/** `dig @127.0.0.1 -p <port> <name> +short`, sorted; empty for NXDOMAIN. */
async function dig(port: number, name: string): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), name, 'A', '+short', '+time=2', '+tries=1']);
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/**
 * DNS end to end on real parts: a private PowerDNS (scripts/infra/pdns.sh) beside the network's
 * HAProxy, node agents on Docker. An app registered through the gateway gets `<app>.app.<domain>`,
 * `<app>_<port>.app.<domain>` and its custom domain in PowerDNS, pointing at HAProxy, which serves the
 * custom domain too; a second app claiming the domain is refused at registration; when the app expires
 * its records go.
 */
describe('DNS through the devnet', () => {
  let net: Network;
  let store: EventStore;
  const suffix = randomBytes(3).toString('hex');
  const app = `dns${suffix}`;
  const late = `dnslate${suffix}`;
  const custom = `shop${suffix}.${CUSTOM_ZONE}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  let port: number;

  const withDomain = (name: string, p: number, expire: number) => {
    const spec = demoSpec(name, key, p, 1) as { compose: Array<Record<string, unknown>>; expire: number };
    spec.compose[0]!.domains = [custom];
    spec.expire = expire;
    return spec as unknown as Record<string, unknown>;
  };

  networkWithStoreForFile({ nodeIps: ['127.91.0.1', '127.92.0.1'], domain: DOMAIN, dns: { customZones: [CUSTOM_ZONE] }, app }, (n, s) => { net = n; store = s; });
  beforeAll(async () => {
    port = await freePortOn(net.nodes.map((n) => n.ip));
  });

  it('dig resolves the app\'s names and its custom domain at HAProxy, which serves the custom domain', async () => {
    const dnsPort = net.settings.dns!.dnsPort;
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: withDomain(app, port, 60), key });
    const names = [`${app}.app.${DOMAIN}`, `${app}_${port}.app.${DOMAIN}`, custom, `www.${custom}`];
    const lb = new URL(net.haproxyUrl).hostname;
    await waitUntil(async () => (await Promise.all(names.map((n) => dig(dnsPort, n)))).every((a) => a.length > 0),
      { timeoutMs: 60_000, intervalMs: 200, what: `${names.join(', ')} resolving` });
    for (const n of names) expect(await dig(dnsPort, n), n).toEqual([lb]);
    // The address dig gave, with the custom domain as Host: an instance answers through HAProxy.
    const res = await waitUntil(async () => {
      const r = await httpGet(`http://${lb}:${new URL(net.haproxyUrl).port}/cgi-bin/whoami`, { host: custom, timeoutMs: 3000 }).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500, what: `${custom} served through HAProxy` });
    expect(res.body).toMatch(/node=/);
    const applied = (await store.readStream(Subjects.dns(DOMAIN))).events.map((e) => e.event as EventOf<'DnsRecordsApplied'>);
    const upserted = applied.flatMap((e) => e.data.zones.flatMap((z) => z.upserted.map((r) => r.name)));
    expect(upserted).toEqual(expect.arrayContaining(names));
  }, 240_000);

  it('refuses a second app that claims the same custom domain, naming it', async () => {
    const p = await freePortOn(net.nodes.map((n) => n.ip));
    await expect(deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: withDomain(late, p, 60), key }))
      .rejects.toThrow(new RegExp(`DomainTaken.*domain ${custom.replace(/\./g, '\\.')} is already claimed by app ${app}|domain ${custom.replace(/\./g, '\\.')} is already claimed by app ${app}`));
    expect(await dig(net.settings.dns!.dnsPort, `${late}.app.${DOMAIN}`)).toEqual([]);
  });

  it('removes the app\'s records when it expires', async () => {
    const dnsPort = net.settings.dns!.dnsPort;
    await fetch(new URL('/control/generate', net.devchainUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocks: 70 }) });
    await waitUntil(async () => (await store.readStream(Subjects.app(app))).events.some((e) => e.event.type === 'AppExpired'), { timeoutMs: 60_000, what: 'AppExpired' });
    await waitUntil(async () => (await dig(dnsPort, `${app}.app.${DOMAIN}`)).length === 0 && (await dig(dnsPort, custom)).length === 0,
      { timeoutMs: 30_000, intervalMs: 200, what: 'records of the expired app removed' });
    expect(await dig(dnsPort, `${app}_${port}.app.${DOMAIN}`)).toEqual([]);
    expect(await dig(dnsPort, `www.${custom}`)).toEqual([]);
  }, 120_000);
});
