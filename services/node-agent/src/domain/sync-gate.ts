import type { SyncMode } from '@fluxplane/flux-spec';

/**
 * May the container of an `r:` component start: is its folder caught up? Pure.
 *
 * The rule (FluxOS's intent: never start a replica from an unknown or partial copy, yet let the
 * first instance of a new app start):
 * 1. The folder must be configured, idle (not scanning or syncing) and need nothing (no items, no
 *    bytes) against the global state Syncthing knows.
 * 2. No other node holds an instance of the app → start: this is the first instance.
 * 3. Some peer *holds data* (its latest sync report lists the folder with items in it): start once at
 *    least one such peer is connected and its index for the folder has reached us (its sequence
 *    is > 0), so "needs nothing" is measured against its data, not against nothing. Files that only
 *    this node has (left from an earlier instance) are reverted first: the peers' copy wins.
 * 4. No peer holds data: start once every peer has reported (a fresh report, with or without the
 *    folder). Until a peer has reported we cannot tell whether it holds data: wait for it. A peer
 *    that never reports is a dead node; the scheduler moves its instance and the wait ends.
 * `g:` folders are not started through this rule: the fencing decides (domain/master-lease.ts, the
 * master flips its folder and starts without waiting for peers); it serves them only to revert the
 * local changes of a receive-only replica.
 */

export interface PeerSyncView {
  nodeId: string;
  /** A fresh sync report of this peer was received. */
  reported: boolean;
  /** Its report lists this folder with files or directories in it. */
  holdsData: boolean;
  /** Its Syncthing is connected to ours. */
  connected: boolean;
  /** We received its index for this folder (remote sequence > 0). */
  indexReceived: boolean;
}

export interface LocalFolderView {
  state: string;
  needItems: number;
  needBytes: number;
  /** Files changed locally in a receive-only folder (`receiveOnlyChangedFiles`): not in the global copy. */
  localChanges: number;
}

export interface GateInput {
  mode: SyncMode;
  /** null: the folder is not in Syncthing's config yet. */
  local: LocalFolderView | null;
  peers: readonly PeerSyncView[];
}

/** `revert`: drop the local changes of the receive-only folder (they would overwrite the peers' data). */
export type GateDecision = { ok: true; why: string } | { ok: false; reason: string; revert?: true };

export function mayStartSynced(input: GateInput): GateDecision {
  if (input.mode === 's') return { ok: true, why: 's: data is synced without gating' };
  const { local, peers } = input;
  if (!local) return { ok: false, reason: 'folder not configured in Syncthing yet' };
  if (local.state !== 'idle') return { ok: false, reason: `folder is ${local.state || 'not ready'}` };
  if (local.needItems > 0 || local.needBytes > 0) return { ok: false, reason: `folder still needs ${local.needItems} items (${local.needBytes} bytes)` };
  if (peers.length === 0) return { ok: true, why: 'first instance: no other node holds the app' };
  const holders = peers.filter((p) => p.holdsData);
  if (holders.length > 0) {
    const sources = holders.filter((p) => p.connected && p.indexReceived);
    if (sources.length > 0 && local.localChanges > 0) return { ok: false, reason: `${local.localChanges} local changes are not in the peers' copy: reverting them`, revert: true };
    if (sources.length > 0) return { ok: true, why: `in sync with ${sources.map((p) => p.nodeId).join(', ')}` };
    return { ok: false, reason: `waiting for the index of a peer that holds data (${holders.map((p) => `${p.nodeId}${p.connected ? '' : ' not connected'}`).join(', ')})` };
  }
  const silent = peers.filter((p) => !p.reported);
  if (silent.length > 0) return { ok: false, reason: `waiting for sync reports of ${silent.map((p) => p.nodeId).join(', ')}` };
  return { ok: true, why: 'no peer holds data yet' };
}
