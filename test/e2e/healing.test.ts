import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { networkForFile } from './harness';

const DOMAIN = 'heal.fluxplane.test';

/**
 * A node agent dies (SIGKILL, no goodbye). Its heartbeats stop, the scheduler records NodeWentDown
 * and places the lost instance on the spare node at once; HAProxy then routes to the three live
 * instances only.
 */
describe('healing: a lost node is replaced', () => {
  const app = `heal${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const net = networkForFile({ nodeIps: ['127.41.0.1', '127.42.0.1', '127.43.0.1', '127.44.0.1'], domain: DOMAIN, app });
  const gw = async (path: string) => (await (await fetch(`${net.gatewayUrl}${path}`)).json()) as { status: string; data: unknown };
  const locations = async () => ((await gw(`/apps/location/${app}`)).data as Array<{ ip: string; nodeId: string }>);

  it('moves the instance of a killed node agent to the spare node and stops routing to it', async () => {
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, await freePortOn(net.nodes.map((n) => n.ip))), key });
    const before = await waitUntil(async () => { const l = await locations(); return l.length === 3 && l; }, { timeoutMs: 120_000, what: '3 running instances' });
    const victimIndex = net.nodes.findIndex((n) => n.ip === before[0]!.ip);
    const victim = net.nodes[victimIndex]!;
    const spare = net.nodes.find((n) => !before.some((l) => l.ip === n.ip))!;

    const killedAt = Date.now();
    await net.group.stop(`node-agent-${victimIndex + 1}`, 'SIGKILL');
    const after = await waitUntil(async () => {
      const l = await locations();
      return l.length === 3 && !l.some((x) => x.ip === victim.ip) && l.some((x) => x.ip === spare.ip) && l;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the instance replaced on the spare node' });
    const healedMs = Date.now() - killedAt;
    expect(new Set(after.map((l) => l.ip)).size).toBe(3);

    // Through HAProxy: only live nodes answer, the spare among them.
    const seen = new Set<string>();
    await waitUntil(async () => {
      const r = await httpGet(`${net.haproxyUrl}/cgi-bin/whoami`, { host: `${app}.app.${DOMAIN}`, timeoutMs: 3000 });
      const m = /node=(\S+)/.exec(r.body);
      if (r.status === 200 && m) seen.add(m[1]!);
      return seen.has(spare.nodeId);
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'the spare node answering through HAProxy' });
    for (let i = 0; i < 12; i++) {
      const r = await httpGet(`${net.haproxyUrl}/cgi-bin/whoami`, { host: `${app}.app.${DOMAIN}`, timeoutMs: 3000 });
      expect(r.body).not.toContain(victim.nodeId);
    }
    console.log(JSON.stringify({ e2e: 'healing', killed_to_replaced_ms: healedMs }));
    expect(healedMs).toBeLessThan(30_000);
  }, 240_000);
});
