import type { FolderSyncStatus, SyncStatusSignal } from '@fluxplane/contracts';
import type { SyncMode } from '@fluxplane/flux-spec';
import type { FolderType, SyncthingClient } from '../adapters/syncthing';
import type { GateInput, PeerSyncView } from '../domain/sync-gate';

/** A peer of a folder as the agent knows it: its device (if published) and its latest fresh report. */
export interface KnownPeer {
  nodeId: string;
  deviceId?: string;
  report?: SyncStatusSignal;
}

/** Reads from Syncthing what the start rule (`mayStartSynced`) needs about one folder. */
export async function observeGateInput(client: SyncthingClient, folder: { id: string; mode: SyncMode }, peers: readonly KnownPeer[], connections?: ReadonlyMap<string, boolean>): Promise<GateInput> {
  const conns = connections ?? (await client.connections());
  const st = await client.folderStatus(folder.id);
  const views: PeerSyncView[] = [];
  for (const p of peers) {
    const theirs = p.report?.folders.find((x) => x.folderId === folder.id);
    const connected = p.deviceId ? conns.get(p.deviceId) === true : false;
    const indexReceived = p.deviceId && connected ? (await client.completion(folder.id, p.deviceId)).sequence > 0 : false;
    views.push({ nodeId: p.nodeId, reported: p.report !== undefined, holdsData: (theirs?.localItems ?? 0) > 0, connected, indexReceived });
  }
  return {
    mode: folder.mode,
    local: { state: st.state, needItems: st.needFiles + st.needDirectories + st.needDeletes, needBytes: st.needBytes, localChanges: st.receiveOnlyChangedFiles },
    peers: views,
  };
}

/** One folder's line of the sync status signal. `lastCompleteAt` is kept by the caller. */
export async function observeFolder(client: SyncthingClient, f: { id: string; app: string; component: string; mode: SyncMode }, type: FolderType, lastCompleteAt: string | null, now = new Date()): Promise<FolderSyncStatus> {
  const [st, c] = await Promise.all([client.folderStatus(f.id), client.completion(f.id)]);
  const complete = st.state === 'idle' && c.completion >= 100 && c.needItems === 0 && c.needBytes === 0;
  return {
    folderId: f.id, app: f.app, component: f.component, syncMode: f.mode, type, state: st.state,
    completion: c.completion, needBytes: c.needBytes, needItems: c.needItems,
    localItems: st.localFiles + st.localDirectories, localBytes: st.localBytes,
    globalItems: st.globalFiles + st.globalDirectories, globalBytes: st.globalBytes,
    lastCompleteAt: complete ? now.toISOString() : lastCompleteAt,
  };
}
