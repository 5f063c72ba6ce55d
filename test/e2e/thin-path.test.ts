import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { networkForFile } from './harness';

const DOMAIN = 'e2e.fluxplane.test';

/**
 * The walking skeleton, end to end: a signed v8 spec is registered through the gateway, paid on the
 * devchain, indexed, placed on three nodes by the scheduler, started by three node agents with
 * Docker, and answered through HAProxy for `<app>.app.<domain>`.
 */
describe('thin path: signed spec → paid → placed → running → routed', () => {
  const app = `e2e${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const net = networkForFile({ nodeIps: ['127.31.0.1', '127.32.0.1', '127.33.0.1'], domain: DOMAIN, app });

  it('serves the app from 3 instances on 3 node agents through HAProxy', async () => {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    const spec = demoSpec(app, key, port);
    const hash = await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec, key });

    const whoami = async () => {
      const res = await httpGet(`${net.haproxyUrl}/cgi-bin/whoami`, { host: `${app}.app.${DOMAIN}`, timeoutMs: 3000 });
      return res.status === 200 ? res.body : undefined;
    };
    await waitUntil(whoami, { timeoutMs: 120_000, intervalMs: 500, what: `${app}.app.${DOMAIN} answering through HAProxy` });
    const nodes = new Set<string>();
    await waitUntil(async () => {
      const body = await whoami();
      const m = body && /node=(\S+)/.exec(body);
      if (m) nodes.add(m[1]!);
      return nodes.size === 3;
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'answers from 3 different nodes' });
    expect([...nodes].sort()).toEqual(net.nodes.map((n) => n.nodeId).sort());

    const gw = async (path: string) => (await (await fetch(`${net.gatewayUrl}${path}`)).json()) as { status: string; data: unknown };
    const spec2 = await gw(`/apps/appspecifications/${app}`);
    expect(spec2).toMatchObject({ status: 'success', data: { name: app, hash } });
    const locations = await waitUntil(async () => {
      const l = (await gw(`/apps/location/${app}`)).data as Array<{ ip: string }>;
      return l.length === 3 && l;
    }, { what: 'three locations' });
    expect(new Set(locations.map((l) => l.ip))).toEqual(new Set(net.nodes.map((n) => n.ip)));
    const stats = await waitUntil(async () => {
      const s = (await gw('/stats')).data as { instances: { running: number } };
      return s.instances.running === 3 && s;
    }, { what: 'stats' });
    expect(stats).toMatchObject({ nodes: { total: 3 }, apps: { total: 1 }, instances: { running: 3 } });

    const unknown = await httpGet(`${net.haproxyUrl}/`, { host: `nosuchapp.app.${DOMAIN}` });
    expect(unknown.status).toBe(404);
  }, 240_000);

  it('keeps an instance inside its hdd: a write past 1 GB fails inside the container with "no space left"', async () => {
    const id = execFileSync('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${app}`]).toString().trim().split(/\s+/)[0]!;
    expect(id).toBeTruthy();
    // The demo spec asks hdd: 1 (GB) for its data at /tmp; the volume is a 1 GB ext4 file, not the root disk.
    const r = spawnSync('docker', ['exec', id, 'sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=1200; rm -f /tmp/fill'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/No space left on device/);
  }, 60_000);
});
