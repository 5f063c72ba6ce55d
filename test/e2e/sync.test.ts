import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { Signals, SyncStatusSignal } from '@fluxplane/contracts';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, waitUntil } from '@fluxplane/testkit';
import { Network, networkWithStoreForFile } from './harness';

const DOMAIN = 'sync.fluxplane.test';

/**
 * App data synced between instances by each node's own Syncthing, driven by the node agents:
 * an `s:` write reaches the other instances in seconds; an `r:` instance placed after data exists
 * (its node agent died, the scheduler moved it) starts only once its folder caught up, with the data.
 */
describe('data sync between instances (real Docker and Syncthing)', () => {
  let net: Network;
  let nc: NatsConnection;
  const tag = randomBytes(3).toString('hex');
  const sApp = `syncs${tag}`;
  const rApp = `syncr${tag}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const gw = async (path: string) => (await (await fetch(`${net.gatewayUrl}${path}`)).json()) as { status: string; data: unknown };
  const locations = async (app: string) => ((await gw(`/apps/location/${app}`)).data as Array<{ ip: string; nodeId: string }>);
  const containerOf = (app: string, nodeId: string): string | undefined => execFileSync('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${app}`, '--filter', `label=fluxplane.node=${nodeId}`]).toString().trim().split(/\s+/).filter(Boolean)[0];
  const exec = (container: string, script: string): string | undefined => {
    try {
      return execFileSync('docker', ['exec', container, 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    } catch {
      return undefined;
    }
  };
  const running = (app: string, n = 3) => waitUntil(async () => { const l = await locations(app); return l.length === n && l; }, { timeoutMs: 120_000, what: `${n} running instances of ${app}` });

  networkWithStoreForFile({ nodeIps: ['127.51.0.1', '127.52.0.1', '127.53.0.1', '127.54.0.1'], domain: DOMAIN, app: [sApp, rApp] }, (n, s) => { net = n; nc = s.nc; });

  it('s: a file written by one instance appears in the other two within seconds', async () => {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(sApp, key, port, 3, { containerData: 's:/data' }), key });
    const where = await running(sApp);
    const containers = where.map((l) => containerOf(sApp, l.nodeId)!);
    expect(containers.every(Boolean)).toBe(true);
    // Every node's Syncthing shares the folder with the other two before the first write.
    await waitUntil(async () => containers.every((c) => exec(c, 'test -d /data/.stfolder') !== undefined), { timeoutMs: 30_000, what: 'the synced folder in every instance' });
    const content = `hello ${tag}`;
    const t0 = Date.now();
    exec(containers[0]!, `echo '${content}' > /data/hello.txt`);
    await waitUntil(async () => containers.slice(1).every((c) => exec(c, 'cat /data/hello.txt')?.trim() === content), { timeoutMs: 60_000, intervalMs: 100, what: 'hello.txt in the other two instances' });
    // How fast is measured by perf/node (sync p99), alone on the machine; here only that it arrives.
    console.log(JSON.stringify({ e2e: 'sync-s', write_to_two_instances_ms: Date.now() - t0 }));
  }, 240_000);

  it('r: an instance placed after data exists starts only once synced, and then has the data', async () => {
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    // What the container finds at its very start, before anything else runs.
    const commands = ['/bin/sh', '-c', 'ls /data > /seen-at-start.txt 2>&1; exec /start.sh'];
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(rApp, key, port, 3, { containerData: 'r:/data', commands }), key });
    const before = await running(rApp);
    const containers = before.map((l) => containerOf(rApp, l.nodeId)!);
    const payload = `ledger-${tag}-${'x'.repeat(64)}`;
    exec(containers[0]!, `echo '${payload}' > /data/ledger.txt`);
    await waitUntil(async () => containers.every((c) => exec(c, 'cat /data/ledger.txt')?.trim() === payload), { timeoutMs: 30_000, what: 'ledger.txt in all three r: instances' });

    const victimIndex = net.nodes.findIndex((n) => n.ip === before[1]!.ip);
    const victim = net.nodes[victimIndex]!;
    const spare = net.nodes.find((n) => !before.some((l) => l.ip === n.ip))!;
    const reports: SyncStatusSignal[] = [];
    const sub = nc.subscribe(Signals.syncStatus(spare.nodeId), { callback: (_e, m) => { const p = SyncStatusSignal.safeParse(m.json()); if (p.success) reports.push(p.data); } });

    await net.group.stop(`node-agent-${victimIndex + 1}`, 'SIGKILL');
    await waitUntil(async () => { const l = await locations(rApp); return l.some((x) => x.ip === spare.ip) && !l.some((x) => x.ip === victim.ip); }, { timeoutMs: 90_000, intervalMs: 300, what: `the r: instance running on the spare node ${spare.ip}` });
    const moved = containerOf(rApp, spare.nodeId)!;
    expect(exec(moved, 'cat /seen-at-start.txt')).toContain('ledger.txt');
    expect(exec(moved, 'cat /data/ledger.txt')?.trim()).toBe(payload);

    // The spare's agent reported the folder: receive-only while catching up, then send-receive and complete.
    await waitUntil(async () => reports.some((r) => r.folders.some((f) => f.app === rApp && f.type === 'sendreceive' && f.completion === 100 && f.lastCompleteAt)), { timeoutMs: 15_000, what: 'a complete send-receive sync report from the spare' });
    sub.unsubscribe();
    const folder = reports.flatMap((r) => r.folders).find((f) => f.app === rApp)!;
    expect(folder).toMatchObject({ syncMode: 'r', folderId: `fluxweb_${rApp}` });
    // And it is a real replica now: a write on it reaches the survivors.
    exec(moved, `echo back-${tag} > /data/back.txt`);
    const survivor = containerOf(rApp, before.find((l) => l.ip !== victim.ip)!.nodeId)!;
    await waitUntil(async () => exec(survivor, 'cat /data/back.txt')?.trim() === `back-${tag}`, { timeoutMs: 20_000, what: 'a write on the new instance reaching a survivor' });
  }, 300_000);
});
