import type { SyncMode } from '@fluxplane/flux-spec';
import type { FolderType, SyncthingDevice, SyncthingFolder } from '../adapters/syncthing';
import type { DesiredInstance } from './model';
import { appKey } from './naming';
import { volumeLayout } from './volume-layout';

/**
 * What this node's Syncthing should hold, derived from the placements: for every component with
 * `s:`/`r:`/`g:` data of an app placed here, its `appdata` folder under FluxOS's folder id, shared
 * with the device of every other node that holds an instance of the same app. Pure.
 */

/** The watcher carries changes within a second; the rescan only catches what it missed. */
export const FOLDER_TUNING = { fsWatcherEnabled: true, fsWatcherDelayS: 1, rescanIntervalS: 300 } as const;

/** Folder ids this agent owns (FluxOS's `flux<component>_<app>`); other folders are never touched. */
export const OWNED_FOLDER = /^flux[^_]+_.+$/;

export interface PeerDevice {
  nodeId: string;
  deviceId: string;
  address: string;
}

export interface SyncInput {
  self: { nodeId: string; deviceId: string };
  dataDir: string;
  /** Instances placed on this node. */
  desired: readonly DesiredInstance[];
  /** App key → the other nodes holding an instance of it. */
  peers: ReadonlyMap<string, readonly string[]>;
  /** Node id → its published Syncthing device. */
  devices: ReadonlyMap<string, PeerDevice>;
}

export interface DesiredFolder {
  id: string;
  app: string;
  component: string;
  mode: SyncMode;
  path: string;
  /** Sorted device ids, this node's own first-class among them. */
  devices: string[];
  /** Peer node ids sharing it (with a known device). */
  peerNodes: string[];
  /** `s:` syncs at once; `r:`/`g:` start receive-only until caught up (the start gate flips them). */
  initialType: FolderType;
}

export interface DesiredSync {
  folders: DesiredFolder[];
  devices: SyncthingDevice[];
  /** Peers holding a synced app whose device is not published (yet): their folders wait for them. */
  unknownPeers: string[];
}

export function desiredSync(input: SyncInput): DesiredSync {
  const folders: DesiredFolder[] = [];
  const devices = new Map<string, SyncthingDevice>();
  const unknown = new Set<string>();
  for (const inst of input.desired) {
    const synced = inst.components.filter((c) => c.data?.syncMode);
    if (synced.length === 0) continue;
    const peerNodes: string[] = [];
    for (const nodeId of input.peers.get(appKey(inst.app)) ?? []) {
      if (nodeId === input.self.nodeId) continue;
      const d = input.devices.get(nodeId);
      if (!d || d.deviceId === input.self.deviceId) { if (!d) unknown.add(nodeId); continue; }
      peerNodes.push(nodeId);
      devices.set(d.deviceId, { deviceId: d.deviceId, name: nodeId, addresses: [d.address] });
    }
    peerNodes.sort();
    const deviceIds = [...new Set([input.self.deviceId, ...peerNodes.map((n) => input.devices.get(n)!.deviceId)])].sort();
    for (const c of synced) {
      const mode = c.data!.syncMode!;
      const layout = volumeLayout(input.dataDir, inst.app, c.name);
      folders.push({ id: layout.folderId, app: inst.app, component: c.name, mode, path: layout.appdata, devices: deviceIds, peerNodes, initialType: mode === 's' ? 'sendreceive' : 'receiveonly' });
    }
  }
  return { folders, devices: [...devices.values()].sort((a, b) => cmp(a.deviceId, b.deviceId)), unknownPeers: [...unknown].sort() };
}

export type SyncAction =
  | { kind: 'put-device'; device: SyncthingDevice }
  | { kind: 'put-folder'; folder: SyncthingFolder }
  | { kind: 'share-folder'; folderId: string; devices: string[] }
  | { kind: 'remove-folder'; folderId: string }
  | { kind: 'remove-device'; deviceId: string };

/**
 * The Syncthing config changes that turn `actual` into `desired`, in a safe order: devices first
 * (a folder can only be shared with a known device), then folders, then the devices no folder needs.
 * A folder's type is never changed here (the start gate flips r:/g: folders once caught up), so a
 * folder that already syncs both ways is not sent back to receive-only. Only `flux*_*` folders are
 * ever removed; removing a folder from the config leaves its files on disk.
 */
export function syncActions(selfDeviceId: string, desired: DesiredSync, actual: { folders: readonly SyncthingFolder[]; devices: readonly SyncthingDevice[] }): SyncAction[] {
  const actions: SyncAction[] = [];
  const actualDevices = new Map(actual.devices.map((d) => [d.deviceId, d]));
  for (const d of desired.devices) {
    const a = actualDevices.get(d.deviceId);
    if (!a || a.name !== d.name || !sameSet(a.addresses, d.addresses)) actions.push({ kind: 'put-device', device: d });
  }
  const actualFolders = new Map(actual.folders.map((f) => [f.id, f]));
  for (const f of desired.folders) {
    const a = actualFolders.get(f.id);
    if (!a || a.path !== f.path) {
      actions.push({ kind: 'put-folder', folder: { id: f.id, label: f.id, path: f.path, type: f.initialType, devices: f.devices, paused: false, ...FOLDER_TUNING } });
    } else if (!sameSet(a.devices, f.devices)) {
      actions.push({ kind: 'share-folder', folderId: f.id, devices: f.devices });
    }
  }
  const wanted = new Set(desired.folders.map((f) => f.id));
  for (const a of actual.folders) if (OWNED_FOLDER.test(a.id) && !wanted.has(a.id)) actions.push({ kind: 'remove-folder', folderId: a.id });
  const needed = new Set([selfDeviceId, ...desired.devices.map((d) => d.deviceId)]);
  // Devices still listed by a folder we do not own stay: they are someone else's business.
  for (const a of actual.folders) if (!OWNED_FOLDER.test(a.id)) for (const d of a.devices) needed.add(d);
  for (const a of actual.devices) if (!needed.has(a.deviceId)) actions.push({ kind: 'remove-device', deviceId: a.deviceId });
  return actions;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
