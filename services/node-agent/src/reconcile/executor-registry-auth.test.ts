import { describe, expect, it } from 'vitest';
import type { ComponentRun } from '@fluxplane/contracts';
import type { Logger } from '@fluxplane/service-kit';
import type { ContainerRuntime, PullAuth } from '../adapters/container-runtime';
import type { RegistryAuthSource } from '../adapters/registry-auth';
import type { VolumeManager } from '../adapters/volume-manager';
import type { NodeAgentConfig } from '../config';
import type { Action } from '../domain/reconciler';
import { ActionExecutor } from './executor';
import { OPEN_GATE } from './start-gate';
import { VolumeKeeper } from './volume-keeper';

const H1 = '1'.repeat(64);
const config = { NODE_ID: 'n1', NODE_IP: '127.0.0.1', REGISTRY_MIRROR: '127.0.0.1:5001', DATA_DIR: '/d' } as NodeAgentConfig;

/** Every log line, to check that no credential is ever written. */
function recordingLogger(lines: string[]): Logger {
  const write = (obj: unknown, msg?: string) => { lines.push(JSON.stringify(obj) + (msg ?? '')); };
  return { info: write, warn: write, error: write, debug: write, trace: write, child() { return this; } } as unknown as Logger;
}

const volumes = {
  ensure: async () => ({ created: false, mounted: false }), isMounted: async () => true, ensurePath: async () => undefined,
  unmount: async () => undefined, remove: async () => undefined, listImages: async () => [], listMounted: async () => [],
  usage: async () => ({ usedBytes: 0, sizeBytes: 0 }),
} as unknown as VolumeManager;

function component(name: string, privateImage: boolean): ComponentRun {
  return {
    name, image: `acme/${name}:1`, ports: [], environment: [], commands: [], containerData: '/data', cpu: 0.1, ramMb: 64, hddGb: 1,
    data: { raw: '/data', mounts: [{ kind: 'primary', containerPath: '/data', subdir: 'appdata', isFile: false }], syncMode: null },
    ...(privateImage ? { privateImage: true } : {}),
  };
}

/** A fake engine that records what each pull was given; `local` lists the images already here. */
function setup(auth: RegistryAuthSource, opts: { local?: string[] } = {}) {
  const pulls: Array<{ image: string; auth?: PullAuth }> = [];
  const created: string[] = [];
  const logs: string[] = [];
  const asked: Array<[string, string]> = [];
  const runtime = {
    pull: async (image: string, _onProgress: unknown, a?: PullAuth) => { pulls.push({ image, ...(a ? { auth: a } : {}) }); },
    hasImage: async (image: string) => (opts.local ?? []).includes(image),
    create: async (spec: { name: string }) => { created.push(spec.name); return `id-${spec.name}`; },
    start: async () => undefined, stop: async () => undefined, remove: async () => undefined,
  } as unknown as ContainerRuntime;
  const source: RegistryAuthSource = { credentials: async (app, c) => { asked.push([app, c]); return auth.credentials(app, c); } };
  const logger = recordingLogger(logs);
  const executor = new ActionExecutor(runtime, config, logger, new VolumeKeeper(volumes, config, logger), OPEN_GATE, source);
  return { executor, pulls, created, logs, asked };
}

const start = (c: ComponentRun): Action => ({ kind: 'start', app: 'shop', specHash: H1, component: c });
const instance = (...cs: ComponentRun[]) => ({ app: 'shop', specHash: H1, components: cs });

describe('ActionExecutor pulling private images', () => {
  const registry: RegistryAuthSource = { credentials: async () => ({ username: 'puller', password: 'Sup3r:secret' }) };

  it('asks for the credentials of a private component and pulls with them as Docker auth for the image\'s registry', async () => {
    const db = component('db', true);
    const { executor, pulls, created, asked, logs } = setup(registry);
    expect((await executor.execute([start(db)], [instance(db)])).size).toBe(0);
    expect(asked).toEqual([['shop', 'db']]);
    expect(pulls).toEqual([{ image: '127.0.0.1:5001/acme/db:1', auth: { username: 'puller', password: 'Sup3r:secret', serveraddress: '127.0.0.1:5001' } }]);
    expect(created).toEqual(['fluxdb_shop_n1']);
    expect(logs.join('\n')).not.toContain('Sup3r');
  });

  it('pulls a public component without asking', async () => {
    const web = component('web', false);
    const { executor, pulls, asked } = setup(registry);
    expect((await executor.execute([start(web)], [instance(web)])).size).toBe(0);
    expect(asked).toEqual([]);
    expect(pulls).toEqual([{ image: '127.0.0.1:5001/acme/web:1' }]);
  });

  it('a refusal fails the start with an error naming it, and pulls nothing', async () => {
    const db = component('db', true);
    const refusing: RegistryAuthSource = { credentials: async () => { throw new Error('node n1 holds no placement of app shop'); } };
    const { executor, pulls, created } = setup(refusing);
    const failures = await executor.execute([start(db)], [instance(db)]);
    expect(failures.get('shop')).toEqual({
      specHash: H1,
      error: 'db: registry credentials for 127.0.0.1:5001/acme/db:1 (component db) not given: node n1 holds no placement of app shop',
    });
    expect(pulls).toEqual([]);
    expect(created).toEqual([]);
  });

  it('an unreachable registry still runs the image when it is already here', async () => {
    const db = component('db', true);
    const unreachable: RegistryAuthSource = { credentials: async () => { throw new Error('TIMEOUT'); } };
    const { executor, created } = setup(unreachable, { local: ['127.0.0.1:5001/acme/db:1'] });
    expect((await executor.execute([start(db)], [instance(db)])).size).toBe(0);
    expect(created).toEqual(['fluxdb_shop_n1']);
  });

  it('an image the registry now calls public is pulled without auth', async () => {
    const db = component('db', true);
    const { executor, pulls } = setup({ credentials: async () => null });
    expect((await executor.execute([start(db)], [instance(db)])).size).toBe(0);
    expect(pulls).toEqual([{ image: '127.0.0.1:5001/acme/db:1' }]);
  });
});
