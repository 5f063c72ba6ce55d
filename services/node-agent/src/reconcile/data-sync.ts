import { Inject, Injectable } from '@nestjs/common';
import type { ComponentRun, FolderSyncStatus, SyncDeviceRecord } from '@fluxplane/contracts';
import { errorText, LOGGER, ProjectionHost, ReconcileLoop, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import { DeviceDirectory } from '../adapters/device-directory';
import { VOLUME_MANAGER, type VolumeManager } from '../adapters/volume-manager';
import { SYNCTHING_CLIENT, type FolderType, type SyncthingClient, type SyncthingFolder } from '../adapters/syncthing';
import { appKey } from '../domain/naming';
import { mayStartSynced, type GateDecision } from '../domain/sync-gate';
import { desiredSync, syncActions, type DesiredFolder, type PeerDevice, type SyncAction } from '../domain/sync-plan';
import { volumeLayout } from '../domain/volume-layout';
import { syncMetrics } from '../metrics';
import { DesiredStateReader } from '../projections/desired-state.reader';
import { PeerPlacementsReader } from '../projections/peer-placements.reader';
import { SyncStatusSignals } from '../signals/sync-status';
import { observeFolder, observeGateInput } from './sync-observation';
import { MasterFencing } from './master-fencing';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** Config changes come in bursts (a placement round, a peer's device appearing). */
const DEBOUNCE_MS = 100;

/**
 * Drives this node's Syncthing from the placements: shares the `appdata` folder of every synced
 * component with the nodes holding the same app (devices learnt from the KV device directory),
 * drops what left, flips caught-up `r:`/`g:` folders to send-receive, and reports how far each
 * folder is (`sig.sync.<node>`), every SYNC_STATUS_INTERVAL_MS and after every change. Also answers
 * the start gate's question for one component (`readiness`).
 */
@Injectable()
export class DataSync {
  readonly loop: ReconcileLoop;
  private selfId?: string;
  private published?: string;
  private readonly lastComplete = new Map<string, string>();
  private readyListeners: Array<() => void> = [];

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    /** null: no SYNCTHING_URL, data sync is off on this node. */
    @Inject(SYNCTHING_CLIENT) private readonly client: SyncthingClient | null,
    private readonly directory: DeviceDirectory,
    private readonly signals: SyncStatusSignals,
    private readonly desired: DesiredStateReader,
    private readonly peers: PeerPlacementsReader,
    @Inject(VOLUME_MANAGER) private readonly volumes: VolumeManager,
    @Inject(LOGGER) private readonly logger: Logger,
    projections: ProjectionHost,
    /** Decides the type of g: folders: send-receive only on the master with a valid lease. */
    private readonly fencing: MasterFencing,
  ) {
    this.loop = new ReconcileLoop({
      name: 'node-agent-sync',
      work: async () => {
        await this.pass();
        syncMetrics.passes.inc({ outcome: 'ok' });
      },
      onError: (_key, err) => {
        syncMetrics.passes.inc({ outcome: 'failed' });
        this.logger.warn({ err: errorText(err) }, 'data sync pass failed');
      },
      debounceMs: DEBOUNCE_MS,
      maxDelayMs: DEBOUNCE_MS * 4,
      intervalMs: config.SYNC_STATUS_INTERVAL_MS,
      projections,
      // Removing folders from a half-replayed read model would stop syncing wanted data.
      catchUpAtStart: { timeoutMs: 30_000, strict: true },
      logger,
    });
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  /** Called when an r:/g: folder became ready to start (the container reconcile can act at once). */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  async start(): Promise<void> {
    if (!this.client) return;
    this.signals.start();
    await this.directory.watch(() => this.loop.trigger(SINGLE_KEY)).catch((err) => this.logger.warn({ err: errorText(err) }, 'cannot watch the device directory; relying on periodic passes'));
    this.loop.start();
  }

  async stop(waitMs: number): Promise<void> {
    if (!this.client) return;
    this.directory.stop();
    this.signals.stop();
    await this.loop.stop(waitMs);
  }

  /** One pass: publish our device, converge the config, flip ready folders, report. */
  async pass(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const selfId = await this.ensureDevicePublished(client);
    const { desired, devices, peers } = await this.inputs();
    const wanted = desiredSync({ self: { nodeId: this.config.NODE_ID, deviceId: selfId }, dataDir: this.config.DATA_DIR, desired, peers, devices });
    if (wanted.unknownPeers.length > 0) this.logger.debug({ nodes: wanted.unknownPeers }, 'peers without a published Syncthing device yet');

    const [folders, configured] = await Promise.all([client.folders(), client.devices()]);
    // A folder is first shared only once its volume is mounted: shared earlier, Syncthing would put its
    // marker and data on the root disk under the mount point, and the mount would then hide them.
    const shared = new Set(folders.map((f) => f.id));
    const ready = await Promise.all(wanted.folders.map(async (f) => shared.has(f.id) || this.volumes.isMounted(volumeLayout(this.config.DATA_DIR, f.app, f.component).mountPoint)));
    const want = { ...wanted, folders: wanted.folders.filter((_, i) => ready[i]) };
    const actions = syncActions(selfId, want, { folders, devices: configured });
    for (const a of actions) await this.applyAction(client, a);

    const current = actions.length > 0 ? await client.folders() : folders;
    const byId = new Map(current.map((f) => [f.id, f]));
    const statuses: FolderSyncStatus[] = [];
    let flipped = false;
    const connections = await client.connections();
    for (const f of want.folders) {
      const folder = byId.get(f.id);
      if (!folder) continue;
      let type = folder.type;
      if (f.mode === 'g') {
        type = await this.fenceFolder(client, f, folder.type, peers.get(appKey(f.app)) ?? [], devices, connections);
        flipped ||= type === 'sendreceive' && folder.type !== 'sendreceive';
      } else if (type === 'receiveonly' && f.mode !== 's') {
        const d = await this.decide(client, f, peers.get(appKey(f.app)) ?? [], devices, connections);
        if (d.ok) {
          await this.flip(client, f.id, d.why);
          type = 'sendreceive';
          flipped = true;
        } else if (d.revert) {
          await this.revert(client, f.id, d.reason);
        }
      }
      statuses.push(await this.status(client, f, type));
    }
    syncMetrics.folders.set(want.folders.length);
    this.signals.publish({ nodeId: this.config.NODE_ID, deviceId: selfId, at: new Date().toISOString(), folders: statuses });
    if (flipped) for (const l of this.readyListeners) l();
  }

  /**
   * A `g:` folder is send-receive exactly while this node may run the component (the master of the
   * current term with a valid lease), receive-only otherwise: a demoted or fenced node's writes
   * never reach the others. In a receive-only folder, local changes (what a demoted master wrote
   * after its last sync) are reverted once a peer's copy is there: the new master's data wins.
   */
  private async fenceFolder(client: SyncthingClient, f: DesiredFolder, type: FolderType, peerNodes: readonly string[], devices: ReadonlyMap<string, PeerDevice>, connections: ReadonlyMap<string, boolean>): Promise<FolderType> {
    const master = this.fencing.mayRun(f.app, f.component);
    if (master && type !== 'sendreceive') {
      await this.flip(client, f.id, 'this node is the master of the current term');
      return 'sendreceive';
    }
    if (!master && type !== 'receiveonly') {
      await client.patchFolder(f.id, { type: 'receiveonly' });
      this.logger.warn({ folder: f.id, role: this.fencing.role(f.app, f.component) }, 'g: folder now receive-only: this node is not the master (or its lease lapsed)');
      return 'receiveonly';
    }
    if (!master) {
      const d = await this.decide(client, f, peerNodes, devices, connections);
      if (!d.ok && d.revert) await this.revert(client, f.id, d.reason);
    }
    return type;
  }

  /**
   * The promoted master's folder: send-receive BEFORE its component starts (the start gate asks,
   * after the fencing said this node may run it). No wait for peers: the old master may be gone,
   * and the election chose this node for having the most recent complete copy.
   */
  async promote(app: string, component: ComponentRun): Promise<GateDecision> {
    const found = await this.componentFolder(app, component);
    if ('decision' in found) return found.decision;
    const { client, folder } = found;
    if (folder.type !== 'sendreceive') await this.flip(client, folder.id, 'this node is the master of the current term');
    return { ok: true, why: 'master of the current term, folder send-receive' };
  }

  /**
   * May this component's container start now (the StartGate question)? `s:` and unsynced data: yes.
   * `r:`: only once the folder is caught up, which flips it to send-receive right here. (`g:` goes
   * through the fencing and `promote`.)
   */
  async readiness(app: string, component: ComponentRun): Promise<GateDecision> {
    const mode = component.data?.syncMode ?? null;
    if (mode === null || mode === 's') return { ok: true, why: mode ? 's: is not gated' : 'no synced data' };
    const found = await this.componentFolder(app, component);
    if ('decision' in found) return found.decision;
    const { client, folder } = found;
    if (folder.type !== 'receiveonly') return { ok: true, why: `folder is ${folder.type}` };
    const { devices, peers } = await this.inputs();
    const f: Pick<DesiredFolder, 'id' | 'mode' | 'app'> = { id: folder.id, mode, app };
    const d = await this.decide(client, f, peers.get(appKey(app)) ?? [], devices, await client.connections());
    if (d.ok) await this.flip(client, f.id, d.why);
    else if (d.revert) await this.revert(client, f.id, d.reason);
    return d;
  }

  private async inputs(): Promise<{ desired: Awaited<ReturnType<DesiredStateReader['load']>>['desired']; devices: Map<string, PeerDevice>; peers: Map<string, string[]> }> {
    const [state, dir] = await Promise.all([this.desired.load(), this.directory.all()]);
    if (dir.invalid.length > 0) this.logger.warn({ keys: dir.invalid }, 'invalid entries in the Syncthing device directory ignored');
    const peers = await this.peers.peers(state.desired.map((d) => appKey(d.app)));
    const devices = new Map<string, PeerDevice>([...dir.devices].map(([n, r]) => [n, { nodeId: n, deviceId: r.deviceId, address: r.address }]));
    return { desired: state.desired, devices, peers };
  }

  /** The gate rule for one folder, on what Syncthing and the peers' reports say now. */
  /**
   * A component's Syncthing folder for the start gate, or the gate's answer when there is none to
   * decide on: data sync off on this node (may start), or the folder not configured yet (not yet;
   * a sync pass is triggered to configure it).
   */
  private async componentFolder(app: string, component: ComponentRun): Promise<{ client: SyncthingClient; folder: SyncthingFolder } | { decision: GateDecision }> {
    const client = this.client;
    if (!client) return { decision: { ok: true, why: 'data sync is off on this node (no SYNCTHING_URL)' } };
    const layout = volumeLayout(this.config.DATA_DIR, app, component.name);
    const folder = (await client.folders()).find((f) => f.id === layout.folderId);
    if (!folder) {
      this.loop.trigger(SINGLE_KEY);
      return { decision: { ok: false, reason: 'folder not configured in Syncthing yet' } };
    }
    return { client, folder };
  }

  private async decide(client: SyncthingClient, f: Pick<DesiredFolder, 'id' | 'mode'>, peerNodes: readonly string[], devices: ReadonlyMap<string, PeerDevice>, connections: ReadonlyMap<string, boolean>): Promise<GateDecision> {
    const known = peerNodes.map((nodeId) => ({ nodeId, deviceId: devices.get(nodeId)?.deviceId, report: this.signals.fresh(nodeId) }));
    const decision = mayStartSynced(await observeGateInput(client, f, known, connections));
    syncMetrics.gate.inc({ decision: decision.ok ? 'ready' : 'held' });
    return decision;
  }

  private async flip(client: SyncthingClient, folderId: string, why: string): Promise<void> {
    await client.patchFolder(folderId, { type: 'sendreceive' });
    this.logger.info({ folder: folderId, why }, 'folder caught up: now send-receive, its container may start');
  }

  private async revert(client: SyncthingClient, folderId: string, reason: string): Promise<void> {
    await client.revert(folderId);
    this.logger.warn({ folder: folderId, reason }, 'reverted local changes of a receive-only folder');
  }

  private async status(client: SyncthingClient, f: DesiredFolder, type: FolderType): Promise<FolderSyncStatus> {
    const st = await observeFolder(client, { id: f.id, app: f.app, component: f.component, mode: f.mode }, type, this.lastComplete.get(f.id) ?? null);
    if (st.lastCompleteAt) this.lastComplete.set(f.id, st.lastCompleteAt);
    syncMetrics.folderCompletion.set({ folder: f.id }, st.completion);
    syncMetrics.folderNeedBytes.set({ folder: f.id }, st.needBytes);
    return st;
  }

  /** Reads our device id and writes it, with our listen address, to the directory when it changed. */
  private async ensureDevicePublished(client: SyncthingClient): Promise<string> {
    this.selfId ??= await client.myId();
    const record: SyncDeviceRecord = { nodeId: this.config.NODE_ID, deviceId: this.selfId, address: this.config.SYNCTHING_LISTEN_ADDRESS!, at: new Date().toISOString() };
    const key = `${record.deviceId} ${record.address}`;
    if (this.published !== key) {
      await this.directory.publish(record);
      this.published = key;
      this.logger.info({ deviceId: record.deviceId, address: record.address }, 'Syncthing device published');
    }
    return this.selfId;
  }

  private async applyAction(client: SyncthingClient, a: SyncAction): Promise<void> {
    try {
      switch (a.kind) {
        case 'put-device': await client.putDevice(a.device); break;
        case 'remove-device': await client.removeDevice(a.deviceId); break;
        case 'put-folder': await client.putFolder(a.folder); break;
        case 'share-folder': await client.patchFolder(a.folderId, { devices: a.devices }); break;
        case 'remove-folder': await client.removeFolder(a.folderId); this.lastComplete.delete(a.folderId); break;
      }
      syncMetrics.actions.inc({ kind: a.kind, outcome: 'ok' });
      this.logger.info({ action: a.kind, ...describe(a) }, 'Syncthing config changed');
    } catch (err) {
      syncMetrics.actions.inc({ kind: a.kind, outcome: 'failed' });
      throw err;
    }
  }
}

function describe(a: SyncAction): Record<string, unknown> {
  switch (a.kind) {
    case 'put-device': return { device: a.device.deviceId.slice(0, 7), node: a.device.name, addresses: a.device.addresses };
    case 'remove-device': return { device: a.deviceId.slice(0, 7) };
    case 'put-folder': return { folder: a.folder.id, type: a.folder.type, devices: a.folder.devices.length };
    case 'share-folder': return { folder: a.folderId, devices: a.devices.length };
    case 'remove-folder': return { folder: a.folderId };
  }
}

