import { describe, expect, it } from 'vitest';
import type { ComponentRun } from '@fluxplane/contracts';
import { tryParseContainerData } from '@fluxplane/flux-spec';
import type { Logger } from '@fluxplane/service-kit';
import type { ContainerRuntime, ContainerSpec } from '../adapters/container-runtime';
import type { Volume, VolumeManager } from '../adapters/volume-manager';
import type { NodeAgentConfig } from '../config';
import type { DesiredInstance } from '../domain/model';
import type { Action } from '../domain/reconciler';
import { ActionExecutor } from './executor';
import { OPEN_GATE, type StartGate } from './start-gate';
import { VolumeKeeper } from './volume-keeper';

const H1 = '1'.repeat(64);
const logger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, child() { return this; } } as unknown as Logger;
const config = { NODE_ID: 'n1', NODE_IP: '127.0.0.1', REGISTRY_MIRROR: '', DATA_DIR: '/d' } as NodeAgentConfig;

function component(name: string, containerData: string, hddGb = 1): ComponentRun {
  const parsed = tryParseContainerData(containerData);
  const data = parsed.ok ? { raw: containerData, mounts: [parsed.value.primary, ...parsed.value.additional], syncMode: parsed.value.syncMode } : null;
  return { name, image: 'x:1', ports: [], environment: [], commands: [], containerData, data, cpu: 0.1, ramMb: 64, hddGb };
}

/** Volumes in memory, recording every step in `log` (shared with the runtime, to see the order). */
class MemoryVolumes implements VolumeManager {
  readonly images = new Map<string, number>();
  readonly mounts = new Set<string>();
  readonly paths = new Map<string, boolean>();
  constructor(private readonly log: string[]) {}
  async ensure(v: Volume, size: number) {
    if (this.mounts.has(v.mountPoint)) return { created: false, mounted: false };
    const created = !this.images.has(v.image);
    if (created) this.images.set(v.image, size);
    this.mounts.add(v.mountPoint);
    this.log.push(`mount ${v.mountPoint}`);
    return { created, mounted: true };
  }
  async isMounted(mp: string) { return this.mounts.has(mp); }
  async ensurePath(p: string, isFile: boolean) { this.paths.set(p, isFile); }
  async unmount(mp: string) { this.mounts.delete(mp); }
  async remove(v: Volume) { this.mounts.delete(v.mountPoint); this.images.delete(v.image); this.log.push(`remove ${v.image}`); }
  async listImages() { return [...this.images.keys()]; }
  async listMounted() { return [...this.mounts]; }
  async usage() { return { usedBytes: 1, sizeBytes: 2 }; }
}

function setup(gate: StartGate = OPEN_GATE) {
  const log: string[] = [];
  const created: ContainerSpec[] = [];
  const volumes = new MemoryVolumes(log);
  const runtime = {
    pull: async () => { log.push('pull'); },
    hasImage: async () => true,
    create: async (spec: ContainerSpec) => { log.push(`create ${spec.name}`); created.push(spec); return `id-${spec.name}`; },
    start: async () => undefined,
    stop: async () => undefined,
    remove: async () => undefined,
  } as unknown as ContainerRuntime;
  const asking: StartGate = { mayStart: async (app, c) => { log.push(`gate ${c.name}`); return gate.mayStart(app, c); } };
  const executor = new ActionExecutor(runtime, config, logger, new VolumeKeeper(volumes, config, logger), asking);
  return { executor, log, created, volumes };
}

const start = (instance: DesiredInstance, i: number): Action => ({ kind: 'start', app: instance.app, specHash: H1, component: instance.components[i]! });

describe('ActionExecutor with volumes', () => {
  it('pulls, mounts the volumes, asks the gate, then creates the container with its binds', async () => {
    const instance = { app: 'Shop', specHash: H1, components: [component('db', '/db', 3), component('web', 's:/data|0:/shared')] };
    const { executor, log, created, volumes } = setup();
    const failures = await executor.execute([start(instance, 1)], [instance]);
    expect(failures.size).toBe(0);
    expect(log).toEqual(['pull', 'mount /d/apps/fluxweb_shop', 'mount /d/apps/fluxdb_shop', 'gate web', 'create fluxweb_Shop_n1']);
    expect(created[0]!.binds).toEqual([{ source: '/d/apps/fluxweb_shop/appdata', target: '/data' }, { source: '/d/apps/fluxdb_shop/appdata', target: '/shared' }]);
    expect(volumes.images.get('/d/volumes/fluxdb_shop.ext4')).toBe(3 * 1024 ** 3);
  });

  it('mounts the volume of a g: component this node may not run (its synced folder), and starts nothing', async () => {
    const instance = { app: 'Ledger', specHash: H1, components: [component('db', 'g:/data'), component('web', '/www')] };
    const { executor, log, created, volumes } = setup();
    await executor.prepareStandbyVolumes([instance], () => false);
    expect(log).toEqual(['mount /d/apps/fluxdb_ledger']);
    expect(created).toEqual([]);
    expect(volumes.mounts.has('/d/apps/fluxdb_ledger')).toBe(true);
    // Where it may run, the start does the mounting (after the pull): nothing here.
    const { executor: master, log: masterLog } = setup();
    await master.prepareStandbyVolumes([instance], () => true);
    expect(masterLog).toEqual([]);
  });

  it('a closed gate skips the component this pass: no container, and no failure', async () => {
    const instance = { app: 'shop', specHash: H1, components: [component('web', 'r:/data')] };
    const { executor, log, created, volumes } = setup({ mayStart: async () => ({ ok: false, reason: 'folder 40% in sync' }) });
    expect((await executor.execute([start(instance, 0)], [instance])).size).toBe(0);
    expect(created).toEqual([]);
    // The volume is ready for sync to fill it.
    expect(volumes.mounts.has('/d/apps/fluxweb_shop')).toBe(true);
    expect(log.at(-1)).toBe('gate web');
  });

  it('a component whose containerData did not parse fails, naming why, before the gate is asked', async () => {
    const instance = { app: 'shop', specHash: H1, components: [component('web', 'x:y:/data|')] };
    const { executor, log, created } = setup();
    const failures = await executor.execute([start(instance, 0)], [instance]);
    expect(failures.get('shop')?.error).toMatch(/web: component web: containerData "x:y:\/data\|" does not parse/);
    expect(created).toEqual([]);
    expect(log).toEqual(['pull']);
  });

  it('never creates a container over a volume that went away while the gate was asked', async () => {
    const instance = { app: 'shop', specHash: H1, components: [component('web', '/data')] };
    const box: { volumes?: MemoryVolumes } = {};
    const { executor, created, volumes } = setup({ mayStart: async () => { await box.volumes!.unmount('/d/apps/fluxweb_shop'); return { ok: true }; } });
    box.volumes = volumes;
    const failures = await executor.execute([start(instance, 0)], [instance]);
    expect(failures.get('shop')?.error).toMatch(/fluxweb_shop is not mounted/);
    expect(created).toEqual([]);
  });

  it('removes the volumes of an unscheduled instance only once its containers are gone', async () => {
    const instance = { app: 'shop', specHash: H1, components: [component('web', '/data')] };
    const { executor, volumes, log } = setup();
    await executor.execute([start(instance, 0)], [instance]);
    const container = { id: 'c1', app: 'shop', component: 'web', specHash: H1, state: 'running' };
    await executor.removeVolumesOfGone({ desired: [], unscheduled: [{ app: 'shop', reason: 'x' }] }, [container]);
    expect(volumes.images.size).toBe(1);
    await executor.removeVolumesOfGone({ desired: [], unscheduled: [{ app: 'shop', reason: 'x' }] }, []);
    expect(volumes.images.size).toBe(0);
    expect(log.at(-1)).toBe('remove /d/volumes/fluxweb_shop.ext4');
  });
});
