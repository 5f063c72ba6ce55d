import { z } from 'zod';
import { errorText } from '@fluxplane/observability';
import type { Completion, FolderStatus, SyncthingClient, SyncthingDevice, SyncthingFolder } from './syncthing';
import { SyncthingError } from './syncthing';

const num = z.number().int().nonnegative();

const Status = z.object({ myID: z.string().min(1) });
const Device = z.object({ deviceID: z.string().min(1), name: z.string(), addresses: z.array(z.string()) });
const Folder = z.object({
  id: z.string().min(1),
  label: z.string(),
  path: z.string(),
  type: z.enum(['sendreceive', 'sendonly', 'receiveonly', 'receiveencrypted']),
  devices: z.array(z.object({ deviceID: z.string().min(1) })),
  fsWatcherEnabled: z.boolean(),
  fsWatcherDelayS: z.number(),
  rescanIntervalS: z.number(),
  paused: z.boolean(),
});
const DbStatus = z.object({
  state: z.string(),
  localFiles: num, localDirectories: num, localBytes: num,
  globalFiles: num, globalDirectories: num, globalBytes: num,
  needFiles: num, needDirectories: num, needDeletes: num, needBytes: num,
  // Absent while the folder is still starting up.
  receiveOnlyChangedFiles: num.default(0),
});
const DbCompletion = z.object({ completion: z.number().min(0).max(100), needBytes: num, needItems: num, globalBytes: num, globalItems: num, sequence: num });
const Connections = z.object({ connections: z.record(z.string(), z.object({ connected: z.boolean() })) });

export interface SyncthingRestOptions {
  /** e.g. `http://127.1.0.1:8384` */
  url: string;
  apiKey: string;
  /** A call that takes longer fails (the next pass retries). */
  timeoutMs?: number;
}

/**
 * SyncthingClient over Syncthing's REST API (`X-API-Key`), every answer validated with zod so a
 * different Syncthing version fails loudly, naming the call and the field, instead of misleading
 * the sync decisions.
 */
export class SyncthingRest implements SyncthingClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: SyncthingRestOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async myId(): Promise<string> {
    return (await this.call('GET', '/rest/system/status', Status)).myID;
  }

  async devices(): Promise<SyncthingDevice[]> {
    const list = await this.call('GET', '/rest/config/devices', z.array(Device));
    return list.map((d) => ({ deviceId: d.deviceID, name: d.name, addresses: d.addresses }));
  }

  async putDevice(d: SyncthingDevice): Promise<void> {
    await this.call('POST', '/rest/config/devices', null, { deviceID: d.deviceId, name: d.name, addresses: d.addresses, autoAcceptFolders: false, introducer: false });
  }

  async removeDevice(deviceId: string): Promise<void> {
    await this.call('DELETE', `/rest/config/devices/${encodeURIComponent(deviceId)}`, null, undefined, [404]);
  }

  async folders(): Promise<SyncthingFolder[]> {
    const list = await this.call('GET', '/rest/config/folders', z.array(Folder));
    return list.map((f) => ({ ...f, devices: f.devices.map((d) => d.deviceID) }));
  }

  async putFolder(f: SyncthingFolder): Promise<void> {
    await this.call('PUT', `/rest/config/folders/${encodeURIComponent(f.id)}`, null, { ...f, devices: f.devices.map((deviceID) => ({ deviceID })) });
  }

  async patchFolder(id: string, patch: Partial<Pick<SyncthingFolder, 'type' | 'devices' | 'paused'>>): Promise<void> {
    const body: Record<string, unknown> = { ...patch };
    if (patch.devices) body.devices = patch.devices.map((deviceID) => ({ deviceID }));
    await this.call('PATCH', `/rest/config/folders/${encodeURIComponent(id)}`, null, body);
  }

  async removeFolder(id: string): Promise<void> {
    await this.call('DELETE', `/rest/config/folders/${encodeURIComponent(id)}`, null, undefined, [404]);
  }

  async folderStatus(id: string): Promise<FolderStatus> {
    return this.call('GET', `/rest/db/status?folder=${encodeURIComponent(id)}`, DbStatus);
  }

  async completion(folderId: string, deviceId?: string): Promise<Completion> {
    const q = `folder=${encodeURIComponent(folderId)}${deviceId ? `&device=${encodeURIComponent(deviceId)}` : ''}`;
    return this.call('GET', `/rest/db/completion?${q}`, DbCompletion);
  }

  async connections(): Promise<Map<string, boolean>> {
    const c = await this.call('GET', '/rest/system/connections', Connections);
    return new Map(Object.entries(c.connections).map(([id, v]) => [id, v.connected]));
  }

  async revert(folderId: string): Promise<void> {
    await this.call('POST', `/rest/db/revert?folder=${encodeURIComponent(folderId)}`, null);
  }

  async scan(folderId: string, sub?: string): Promise<void> {
    const q = `folder=${encodeURIComponent(folderId)}${sub ? `&sub=${encodeURIComponent(sub)}` : ''}`;
    await this.call('POST', `/rest/db/scan?${q}`, null);
  }

  private async call<T>(method: string, path: string, schema: z.ZodType<T> | null, body?: unknown, okStatuses: number[] = []): Promise<T> {
    const what = `Syncthing ${method} ${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { 'X-API-Key': this.opts.apiKey, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SyncthingError(`${what}: ${errorText(err)} (is Syncthing running at ${this.base}?)`);
    }
    const text = await res.text();
    if (!res.ok && !okStatuses.includes(res.status)) {
      const hint = res.status === 403 ? ' (wrong API key?)' : '';
      throw new SyncthingError(`${what}: HTTP ${res.status}${hint} ${text.trim().slice(0, 200)}`, res.status);
    }
    if (!schema || !res.ok) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SyncthingError(`${what}: answer is not JSON: ${text.slice(0, 100)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new SyncthingError(`${what}: unexpected answer at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return parsed.data;
  }
}
