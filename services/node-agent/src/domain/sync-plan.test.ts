import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ComponentRun } from '@fluxplane/contracts';
import type { SyncthingDevice, SyncthingFolder } from '../adapters/syncthing';
import { desiredSync, FOLDER_TUNING, syncActions, type PeerDevice, type SyncAction } from './sync-plan';

const dev = (c: string) => `${c.repeat(7)}-${Array(7).fill(c.repeat(7)).join('-')}`;
const SELF = dev('S');
const comp = (name: string, mode: 'r' | 'g' | 's' | null): ComponentRun => ({
  name, image: 'x:1', ports: [], environment: [], commands: [], containerData: mode ? `${mode}:/data` : '/data', cpu: 0.1, ramMb: 64, hddGb: 1,
  data: { raw: mode ? `${mode}:/data` : '/data', mounts: [{ kind: 'primary', containerPath: '/data', subdir: 'appdata', isFile: false }], syncMode: mode },
});
const devices = new Map<string, PeerDevice>([
  ['n2', { nodeId: 'n2', deviceId: dev('B'), address: 'tcp://127.2.0.1:16129' }],
  ['n3', { nodeId: 'n3', deviceId: dev('C'), address: 'tcp://127.3.0.1:16129' }],
]);

describe('desiredSync', () => {
  it('shares the appdata folder of each synced component with the nodes holding the same app', () => {
    const d = desiredSync({
      self: { nodeId: 'n1', deviceId: SELF }, dataDir: '/data/n1',
      desired: [{ app: 'Shop', specHash: 'h', components: [comp('db', 'r'), comp('web', null)] }, { app: 'plain', specHash: 'h', components: [comp('web', null)] }],
      peers: new Map([['shop', ['n2', 'n3', 'n4']], ['plain', ['n2']]]),
      devices,
    });
    expect(d.folders).toEqual([{
      id: 'fluxdb_shop', app: 'Shop', component: 'db', mode: 'r', path: '/data/n1/apps/fluxdb_shop/appdata',
      devices: [dev('B'), dev('C'), SELF].sort(), peerNodes: ['n2', 'n3'], initialType: 'receiveonly',
    }]);
    expect(d.devices.map((x) => x.name)).toEqual(['n2', 'n3']);
    expect(d.unknownPeers).toEqual(['n4']);
  });

  it('s: folders sync both ways from the start', () => {
    const d = desiredSync({ self: { nodeId: 'n1', deviceId: SELF }, dataDir: '/d', desired: [{ app: 'a', specHash: 'h', components: [comp('web', 's')] }], peers: new Map(), devices });
    expect(d.folders[0]).toMatchObject({ initialType: 'sendreceive', devices: [SELF], peerNodes: [] });
  });
});

/** Applies actions to a config as Syncthing would. */
function apply(actual: { folders: SyncthingFolder[]; devices: SyncthingDevice[] }, actions: SyncAction[]) {
  const folders = new Map(actual.folders.map((f) => [f.id, f]));
  const devs = new Map(actual.devices.map((d) => [d.deviceId, d]));
  for (const a of actions) {
    if (a.kind === 'put-device') devs.set(a.device.deviceId, a.device);
    if (a.kind === 'remove-device') devs.delete(a.deviceId);
    if (a.kind === 'put-folder') {
      for (const d of a.folder.devices) if (!devs.has(d)) throw new Error(`folder shared with unknown device ${d}`);
      folders.set(a.folder.id, a.folder);
    }
    if (a.kind === 'share-folder') {
      for (const d of a.devices) if (!devs.has(d)) throw new Error(`folder shared with unknown device ${d}`);
      folders.set(a.folderId, { ...folders.get(a.folderId)!, devices: a.devices });
    }
    if (a.kind === 'remove-folder') folders.delete(a.folderId);
  }
  return { folders: [...folders.values()], devices: [...devs.values()] };
}

describe('syncActions', () => {
  const selfDevice: SyncthingDevice = { deviceId: SELF, name: 'vm', addresses: ['dynamic'] };
  const foreign: SyncthingFolder = { id: 'operator-folder', label: '', path: '/x', type: 'sendreceive', devices: [SELF, dev('Z')], paused: false, ...FOLDER_TUNING };

  it('converges any config to the desired one in one round, keeps folder types and foreign folders', () => {
    const nodes = ['n2', 'n3', 'n4', 'n5'];
    const deviceOf = (n: string) => dev(String.fromCharCode(65 + Number(n.slice(1))));
    const allDevices = new Map<string, PeerDevice>(nodes.map((n) => [n, { nodeId: n, deviceId: deviceOf(n), address: `tcp://127.${n.slice(1)}.0.1:16129` }]));
    const appArb = fc.record({ app: fc.constantFrom('a', 'b', 'c'), mode: fc.constantFrom('r' as const, 's' as const, 'g' as const, null), peers: fc.subarray(nodes) });
    const actualArb = fc.record({
      folders: fc.uniqueArray(fc.record({ app: fc.constantFrom('a', 'b', 'c', 'd'), type: fc.constantFrom('sendreceive' as const, 'receiveonly' as const), devices: fc.subarray(nodes) }), { selector: (f) => f.app }),
      devices: fc.subarray(nodes),
    });
    fc.assert(fc.property(fc.uniqueArray(appArb, { selector: (x) => x.app }), actualArb, (apps, act) => {
      const input = {
        self: { nodeId: 'n1', deviceId: SELF }, dataDir: '/d',
        desired: apps.map((a) => ({ app: a.app, specHash: 'h', components: [comp('web', a.mode)] })),
        peers: new Map(apps.map((a) => [a.app, a.peers])), devices: allDevices,
      };
      const want = desiredSync(input);
      const actual = {
        devices: [selfDevice, ...act.devices.map((n) => ({ deviceId: deviceOf(n), name: n, addresses: ['dynamic'] }))],
        folders: [foreign, ...act.folders.map((f) => ({ id: `fluxweb_${f.app}`, label: '', path: `/d/apps/fluxweb_${f.app}/appdata`, type: f.type, devices: [SELF, ...f.devices.map(deviceOf)], paused: false, ...FOLDER_TUNING }))],
      };
      const after = apply(actual, syncActions(SELF, want, actual));
      expect(syncActions(SELF, want, after)).toEqual([]);
      expect(after.folders).toContainEqual(foreign);
      const byId = new Map(after.folders.map((f) => [f.id, f]));
      for (const f of want.folders) {
        const got = byId.get(f.id)!;
        expect([...got.devices].sort()).toEqual(f.devices);
        const before = actual.folders.find((x) => x.id === f.id);
        expect(got.type).toBe(before ? before.type : f.initialType);
      }
      expect(after.folders.filter((f) => f.id.startsWith('flux')).map((f) => f.id).sort()).toEqual(want.folders.map((f) => f.id).sort());
      expect(after.devices.some((d) => d.deviceId === SELF)).toBe(true);
    }), { numRuns: 300 });
  });
});
