import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentRun, SyncStatusSignal } from '@fluxplane/contracts';
import { waitUntil } from '@fluxplane/testkit';
import { SyncthingError } from '../src/adapters/syncthing';
import { SyncthingRest } from '../src/adapters/syncthing.rest';
import { mayStartSynced } from '../src/domain/sync-gate';
import { desiredSync, syncActions, type PeerDevice, type SyncAction } from '../src/domain/sync-plan';
import { observeFolder, observeGateInput } from '../src/reconcile/sync-observation';
import { startSyncthings, type SyncthingInstance } from './syncthing-harness';

/**
 * Three real Syncthing instances (Debian's, started by scripts/infra/syncthing.sh), driven through
 * the agent's adapter with the agent's own plan and start rule, as three nodes would.
 */
const comp = (mode: 'r' | 's'): ComponentRun => ({
  name: 'db', image: 'x:1', ports: [], environment: [], commands: [], containerData: `${mode}:/data`, cpu: 0.1, ramMb: 64, hddGb: 1,
  data: { raw: `${mode}:/data`, mounts: [{ kind: 'primary', containerPath: '/data', subdir: 'appdata', isFile: false }], syncMode: mode },
});

describe('Syncthing driven through the adapter (real instances)', () => {
  let st: Awaited<ReturnType<typeof startSyncthings>>;
  let nodes: SyncthingInstance[];
  const devices = new Map<string, PeerDevice>();
  const dataDir = (n: SyncthingInstance) => join(st.run, `data-${n.name}`);

  /** One agent pass for node `n`: the apps it holds and their other holders → config changes. */
  const converge = async (n: SyncthingInstance, held: Array<{ app: string; mode: 'r' | 's'; peers: string[] }>) => {
    const want = desiredSync({
      self: { nodeId: n.name, deviceId: n.deviceId }, dataDir: dataDir(n),
      desired: held.map((h) => ({ app: h.app, specHash: 'h', components: [comp(h.mode)] })),
      peers: new Map(held.map((h) => [h.app, h.peers])), devices,
    });
    const actions: SyncAction[] = syncActions(n.deviceId, want, { folders: await n.client.folders(), devices: await n.client.devices() });
    for (const a of actions) {
      if (a.kind === 'put-device') await n.client.putDevice(a.device);
      if (a.kind === 'put-folder') await n.client.putFolder(a.folder);
      if (a.kind === 'share-folder') await n.client.patchFolder(a.folderId, { devices: a.devices });
      if (a.kind === 'remove-folder') await n.client.removeFolder(a.folderId);
      if (a.kind === 'remove-device') await n.client.removeDevice(a.deviceId);
    }
    return want;
  };
  const report = async (n: SyncthingInstance, folderId: string, app: string): Promise<SyncStatusSignal> => {
    const f = (await n.client.folders()).find((x) => x.id === folderId);
    return { nodeId: n.name, deviceId: n.deviceId, at: new Date().toISOString(), folders: f ? [await observeFolder(n.client, { id: folderId, app, component: 'db', mode: 'r' }, f.type, null)] : [] };
  };

  beforeAll(async () => {
    st = await startSyncthings(['a', 'b', 'c']);
    nodes = st.instances;
    for (const n of nodes) devices.set(n.name, { nodeId: n.name, deviceId: n.deviceId, address: n.listen });
  }, 120_000);
  afterAll(() => st?.stop());

  it('validates answers and names what went wrong', async () => {
    expect(nodes[0]!.deviceId).toMatch(/^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$/);
    const wrongKey = new SyncthingRest({ url: nodes[0]!.url, apiKey: 'nope' });
    await expect(wrongKey.myId()).rejects.toThrow(/GET \/rest\/system\/status: HTTP 403 \(wrong API key\?\)/);
    await expect(wrongKey.myId()).rejects.toBeInstanceOf(SyncthingError);
  });

  it('s: a file written on one node reaches the other two within seconds', async () => {
    const peersOf = (n: SyncthingInstance) => nodes.filter((x) => x !== n).map((x) => x.name);
    let folderId = '';
    for (const n of nodes) folderId = (await converge(n, [{ app: 'shop', mode: 's', peers: peersOf(n) }])).folders[0]!.id;
    const folders = await nodes[0]!.client.folders();
    expect(folders.find((f) => f.id === folderId)).toMatchObject({ type: 'sendreceive', fsWatcherEnabled: true, fsWatcherDelayS: 1, devices: expect.arrayContaining(nodes.map((n) => n.deviceId)) });
    // A second pass changes nothing.
    const again = syncActions(nodes[0]!.deviceId, desiredSync({ self: { nodeId: 'a', deviceId: nodes[0]!.deviceId }, dataDir: dataDir(nodes[0]!), desired: [{ app: 'shop', specHash: 'h', components: [comp('s')] }], peers: new Map([['shop', ['b', 'c']]]), devices }), { folders: await nodes[0]!.client.folders(), devices: await nodes[0]!.client.devices() });
    expect(again).toEqual([]);

    await waitUntil(async () => (await nodes[0]!.client.connections()).get(nodes[1]!.deviceId) && (await nodes[0]!.client.connections()).get(nodes[2]!.deviceId), { timeoutMs: 60_000, what: 'a connected to b and c' }); // a refused dial is retried every 5 s (longer on a loaded machine)
    const path = (n: SyncthingInstance) => join(dataDir(n), 'apps', folderId, 'appdata', 'hello.txt');
    await waitUntil(async () => existsSync(join(dataDir(nodes[0]!), 'apps', folderId, 'appdata')), { timeoutMs: 10_000, what: 'folder created' });
    const t0 = Date.now();
    writeFileSync(path(nodes[0]!), 'hello from a\n');
    await waitUntil(async () => nodes.slice(1).every((n) => existsSync(path(n)) && readFileSync(path(n), 'utf8') === 'hello from a\n'), { timeoutMs: 45_000, intervalMs: 100, what: 'hello.txt on b and c' });
    // Latency is perf/node's to measure, alone on the machine; a loaded CI box only has to deliver.
    console.log(JSON.stringify({ it: 'syncthing-s', write_to_two_peers_ms: Date.now() - t0 }));

    // The app leaves c: its folder and the devices no folder needs go from c's config.
    await converge(nodes[2]!, []);
    expect((await nodes[2]!.client.folders()).map((f) => f.id)).not.toContain(folderId);
    expect((await nodes[2]!.client.devices()).map((d) => d.deviceId)).toEqual([nodes[2]!.deviceId]);
    expect(existsSync(path(nodes[2]!))).toBe(true); // files stay on disk
  }, 150_000);

  it('r: the first instance may start at once; a later one only once it holds the data', async () => {
    const [a, b] = nodes as [SyncthingInstance, SyncthingInstance];
    // a alone: the first instance of a new app.
    const wantA = await converge(a, [{ app: 'ledger', mode: 'r', peers: [] }]);
    const folder = wantA.folders[0]!;
    expect((await a.client.folders()).find((f) => f.id === folder.id)?.type).toBe('receiveonly');
    await waitUntil(async () => (await a.client.folderStatus(folder.id)).state === 'idle', { timeoutMs: 10_000, what: 'a idle' });
    const first = mayStartSynced(await observeGateInput(a.client, folder, []));
    expect(first).toEqual({ ok: true, why: expect.stringMatching(/first instance/) });
    await a.client.patchFolder(folder.id, { type: 'sendreceive' });
    mkdirSync(folder.path, { recursive: true });
    writeFileSync(join(folder.path, 'rows.db'), 'x'.repeat(200_000));
    await a.client.scan(folder.id);

    // b is placed next. Until a shares the folder with it (a's agent has not seen the placement yet),
    // b cannot have a's data: held back, although its own empty folder "needs nothing".
    const wantB = await converge(b, [{ app: 'ledger', mode: 'r', peers: ['a'] }]);
    const folderB = wantB.folders[0]!;
    const gate = async () => mayStartSynced(await observeGateInput(b.client, folderB, [{ nodeId: 'a', deviceId: a.deviceId, report: await report(a, folder.id, 'ledger') }]));
    await waitUntil(async () => (await b.client.folderStatus(folderB.id)).state === 'idle', { timeoutMs: 10_000, what: 'b idle' });
    const held = await gate();
    expect(held).toMatchObject({ ok: false, reason: expect.stringMatching(/index of a peer that holds data \(a/) });
    expect(existsSync(join(folderB.path, 'rows.db'))).toBe(false);

    await converge(a, [{ app: 'ledger', mode: 'r', peers: ['b'] }]);
    const decisions: string[] = [];
    const ready = await waitUntil(async () => {
      const d = await gate();
      decisions.push(d.ok ? 'ok' : d.reason);
      return d.ok && d;
    }, { timeoutMs: 30_000, intervalMs: 50, what: 'b caught up' }).catch((err) => { throw new Error(`${(err as Error).message}; decisions: ${[...new Set(decisions)].join(' | ')}`); });
    expect(ready.why).toBe('in sync with a');
    // Ready means the data is there.
    expect(readFileSync(join(folderB.path, 'rows.db'), 'utf8')).toHaveLength(200_000);
  }, 60_000);
});
