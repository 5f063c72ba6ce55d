/**
 * The little of Syncthing the agent needs, behind an interface so the sync logic does not depend on
 * its REST API (and tests can reason about it). One Syncthing per node, owned by the agent: every
 * `flux*` folder and every peer device in its config is the agent's to change.
 */

export type FolderType = 'sendreceive' | 'sendonly' | 'receiveonly' | 'receiveencrypted';

export interface SyncthingDevice {
  deviceId: string;
  name: string;
  addresses: string[];
}

export interface SyncthingFolder {
  id: string;
  label: string;
  path: string;
  type: FolderType;
  /** Device ids the folder is shared with (this node's own device included, as Syncthing lists it). */
  devices: string[];
  fsWatcherEnabled: boolean;
  fsWatcherDelayS: number;
  rescanIntervalS: number;
  paused: boolean;
}

/** `GET /rest/db/status`: the folder's state and what it holds, locally and globally. */
export interface FolderStatus {
  state: string;
  localFiles: number;
  localDirectories: number;
  localBytes: number;
  globalFiles: number;
  globalDirectories: number;
  globalBytes: number;
  needFiles: number;
  needDirectories: number;
  needDeletes: number;
  needBytes: number;
  receiveOnlyChangedFiles: number;
}

/**
 * `GET /rest/db/completion`: without a device, how complete this node is against the global state;
 * with one, how complete that remote device is, and `sequence`, the highest sequence of its index
 * we have received (0: nothing received from it for this folder).
 */
export interface Completion {
  completion: number;
  needBytes: number;
  needItems: number;
  globalBytes: number;
  globalItems: number;
  sequence: number;
}

export interface SyncthingClient {
  /** This node's device id (`GET /rest/system/status` → `myID`); throws unless Syncthing answers. */
  myId(): Promise<string>;
  devices(): Promise<SyncthingDevice[]>;
  /** Adds or replaces a device (Syncthing's POST is an upsert). */
  putDevice(device: SyncthingDevice): Promise<void>;
  removeDevice(deviceId: string): Promise<void>;
  folders(): Promise<SyncthingFolder[]>;
  /** Adds or replaces a whole folder. */
  putFolder(folder: SyncthingFolder): Promise<void>;
  /** Changes some fields of an existing folder (its type, its devices). */
  patchFolder(id: string, patch: Partial<Pick<SyncthingFolder, 'type' | 'devices' | 'paused'>>): Promise<void>;
  /** Drops the folder from the config; its files stay on disk. */
  removeFolder(id: string): Promise<void>;
  folderStatus(id: string): Promise<FolderStatus>;
  completion(folderId: string, deviceId?: string): Promise<Completion>;
  /** Device id → connected, for every configured device. */
  connections(): Promise<Map<string, boolean>>;
  /** Drops local changes of a receive-only folder (locally added files are deleted), restoring the global copy. */
  revert(folderId: string): Promise<void>;
  /** Scans the folder (or one path in it) now; resolves when the scan is done. */
  scan(folderId: string, sub?: string): Promise<void>;
}

export const SYNCTHING_CLIENT = Symbol('fluxplane.node-agent.syncthing-client');

/** Syncthing answered something the agent cannot use (or did not answer). */
export class SyncthingError extends Error {
  override readonly name = 'SyncthingError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}
