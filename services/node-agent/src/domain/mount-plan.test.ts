import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { relative } from 'node:path';
import type { ComponentRun } from '@fluxplane/contracts';
import { tryParseContainerData } from '@fluxplane/flux-spec';
import { planMounts, volumeSizeBytes } from './mount-plan';

const DATA = '/srv/node';
const GIB = 1024 ** 3;

function component(name: string, containerData: string, hddGb = 2): ComponentRun {
  const parsed = tryParseContainerData(containerData);
  const data = parsed.ok ? { raw: containerData, mounts: [parsed.value.primary, ...parsed.value.additional], syncMode: parsed.value.syncMode } : null;
  return { name, image: 'x:1', ports: [], environment: [], commands: [], containerData, data, cpu: 0.1, ramMb: 64, hddGb };
}

function plan(components: ComponentRun[], index = 0) {
  const r = planMounts(DATA, 'Shop', components, index);
  if (!r.ok) throw new Error(r.error);
  return r.plan;
}

describe('planMounts', () => {
  it('binds the primary mount to the volume appdata, whatever its sync flags', () => {
    for (const cd of ['/data', 's:/data', 'r:/data', 'g:/data', 'rs:/data']) {
      const p = plan([component('web', cd, 5)]);
      expect(p.binds).toEqual([{ source: '/srv/node/apps/fluxweb_shop/appdata', target: '/data' }]);
      expect(p.volumes).toEqual([{ component: 'web', sizeBytes: 5 * GIB, layout: expect.objectContaining({ image: '/srv/node/volumes/fluxweb_shop.ext4', mountPoint: '/srv/node/apps/fluxweb_shop' }) }]);
      expect(p.paths).toEqual([{ path: '/srv/node/apps/fluxweb_shop/appdata', isFile: false }]);
    }
  });

  it('m:, ml: directories and f: files live beside appdata on the own volume', () => {
    const p = plan([component('web', '/data|m:logs:/var/log/app|ml:cache:/cache|f:app.conf:/etc/app.conf')]);
    const mp = '/srv/node/apps/fluxweb_shop';
    expect(p.binds).toEqual([
      { source: `${mp}/appdata`, target: '/data' },
      { source: `${mp}/logs`, target: '/var/log/app' },
      { source: `${mp}/cache`, target: '/cache' },
      { source: `${mp}/app.conf`, target: '/etc/app.conf' },
    ]);
    expect(p.paths).toEqual([
      { path: `${mp}/appdata`, isFile: false },
      { path: `${mp}/logs`, isFile: false },
      { path: `${mp}/cache`, isFile: false },
      { path: `${mp}/app.conf`, isFile: true },
    ]);
    expect(p.volumes.map((v) => v.component)).toEqual(['web']);
  });

  it('N:, c:N: and cf:N: mount the same paths in component N of the same app', () => {
    const db = component('db', '/var/lib/db', 10);
    const web = component('web', '/data|0:/shared|c:0:dumps:/dumps|cf:0:db.conf:/etc/db.conf', 1);
    const p = plan([db, web], 1);
    const dbMp = '/srv/node/apps/fluxdb_shop';
    expect(p.binds).toEqual([
      { source: '/srv/node/apps/fluxweb_shop/appdata', target: '/data' },
      { source: `${dbMp}/appdata`, target: '/shared' },
      { source: `${dbMp}/dumps`, target: '/dumps' },
      { source: `${dbMp}/db.conf`, target: '/etc/db.conf' },
    ]);
    // The sibling's volume is mounted with the sibling's own size.
    expect(p.volumes.map((v) => [v.component, v.sizeBytes])).toEqual([['web', GIB], ['db', 10 * GIB]]);
    expect(p.paths).toContainEqual({ path: `${dbMp}/db.conf`, isFile: true });
  });

  it('hdd 0 still gets a (sparse) 1 GiB volume', () => {
    expect(volumeSizeBytes(0)).toBe(GIB);
    expect(plan([component('web', '/data', 0)]).volumes[0]!.sizeBytes).toBe(GIB);
  });

  it('refuses, naming the component, data that did not parse', () => {
    const r = planMounts(DATA, 'shop', [component('web', 'x:y:/data|')], 0);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/component web: containerData "x:y:\/data\|" does not parse/) });
  });

  it('refuses a mount of a component the app does not have', () => {
    const r = planMounts(DATA, 'shop', [component('web', '/data|3:/other')], 0);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/refers to component 3, but shop has 1 component/) });
  });

  it('refuses names that would leave the volume, even when the event carries them', () => {
    const evil = component('web', '/data');
    evil.data = { raw: '/data', syncMode: null, mounts: [evil.data!.mounts[0]!, { kind: 'directory', subdir: '../../etc', containerPath: '/x', isFile: false }] };
    expect(planMounts(DATA, 'shop', [evil], 0)).toMatchObject({ ok: false, error: expect.stringMatching(/not a plain file or directory name/) });
    const badName = { ...component('web', '/data'), name: '../web' };
    expect(planMounts(DATA, 'shop', [badName], 0)).toMatchObject({ ok: false, error: expect.stringMatching(/component name/) });
  });

  // Mount syntax generators: each produces a valid containerData part.
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((n) => n !== 'appdata' && n !== 'backup');
  const path = fc.stringMatching(/^\/[a-z]{1,6}(\/[a-z]{1,6}){0,2}$/);
  const extra = (n: number) => fc.oneof(
    fc.tuple(name, path).map(([s, p]) => `m:${s}:${p}`),
    fc.tuple(name, path).map(([s, p]) => `ml:${s}:${p}`),
    fc.tuple(name, path).map(([s, p]) => `f:${s}:${p}`),
    fc.tuple(fc.nat(n - 1), path).map(([i, p]) => `${i}:${p}`),
    fc.tuple(fc.nat(n - 1), name, path).map(([i, s, p]) => `c:${i}:${s}:${p}`),
    fc.tuple(fc.nat(n - 1), name, path).map(([i, s, p]) => `cf:${i}:${s}:${p}`),
  );
  const app = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(
    fc.constant(n),
    fc.array(fc.tuple(fc.constantFrom('', 's:', 'r:', 'g:'), path, fc.array(extra(n), { maxLength: 5 }), fc.nat(40)), { minLength: n, maxLength: n }),
  ));

  it('property: every bind source lies inside a mounted volume of this app, every volume is planned once, and targets are the spec paths', () => {
    fc.assert(fc.property(app, ([, defs]) => {
      const components = defs.map(([flags, primary, extras, hdd], i) => component(`c${i}`, [`${flags}${primary}`, ...extras].join('|'), hdd));
      components.forEach((c, i) => {
        const r = planMounts(DATA, 'shop', components, i);
        if (!c.data) return expect(r.ok).toBe(false);
        if (!r.ok) {
          // Only clashes the planner must refuse: the same host path as file and directory.
          expect(r.error).toMatch(/both as a file and as a directory/);
          return;
        }
        const mountPoints = r.plan.volumes.map((v) => v.layout.mountPoint);
        expect(new Set(mountPoints).size).toBe(mountPoints.length);
        expect(r.plan.volumes[0]!.component).toBe(c.name);
        for (const b of r.plan.binds) {
          const inside = mountPoints.filter((mp) => { const rel = relative(mp, b.source); return rel !== '' && !rel.startsWith('..') && !rel.includes('/'); });
          expect(inside).toHaveLength(1);
          expect(r.plan.paths.map((p) => p.path)).toContain(b.source);
        }
        expect(r.plan.binds.map((b) => b.target)).toEqual(c.data.mounts.map((m) => m.containerPath));
        for (const v of r.plan.volumes) {
          expect(r.plan.paths).toContainEqual({ path: v.layout.appdata, isFile: false });
          expect(v.sizeBytes).toBe(volumeSizeBytes(components.find((x) => x.name === v.component)!.hddGb));
        }
      });
    }), { numRuns: 300 });
  });

  it('property: never throws, whatever mounts an event carries', () => {
    const mount = fc.record({
      kind: fc.constantFrom('primary', 'directory', 'localDirectory', 'file', 'componentPrimary', 'componentDirectory', 'componentFile'),
      containerPath: fc.string(), subdir: fc.string(), componentIndex: fc.option(fc.nat(5), { nil: undefined }), isFile: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(mount, { minLength: 1, maxLength: 5 }), (mounts) => {
      const c = { ...component('web', '/data'), data: { raw: '?', syncMode: null, mounts } } as ComponentRun;
      const r = planMounts(DATA, 'shop', [c, component('db', '/db')], 0);
      if (r.ok) for (const b of r.plan.binds) expect(relative(DATA, b.source).startsWith('..')).toBe(false);
    }));
  });
});
