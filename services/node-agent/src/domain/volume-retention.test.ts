import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { folderOwner, volumesToRemove } from './volume-retention';
import { volumeLayout } from './volume-layout';

describe('volumesToRemove', () => {
  const folders = ['fluxweb_shop', 'fluxdb_shop', 'fluxweb_blog', 'fluxweb_keep', 'lost+found'];

  it('removes the volumes of an unscheduled app once its containers are gone', () => {
    expect(volumesToRemove(folders, { desiredApps: ['blog'], unscheduledApps: ['Shop'], appsWithContainers: [] })).toEqual(['fluxweb_shop', 'fluxdb_shop']);
  });

  it('keeps them while a container of the app is left', () => {
    expect(volumesToRemove(folders, { desiredApps: [], unscheduledApps: ['shop'], appsWithContainers: ['shop'] })).toEqual([]);
  });

  it('never touches volumes of desired apps or of apps the read model has never seen', () => {
    expect(volumesToRemove(folders, { desiredApps: ['shop', 'blog'], unscheduledApps: ['shop'], appsWithContainers: [] })).toEqual([]);
    expect(volumesToRemove(folders, { desiredApps: [], unscheduledApps: [], appsWithContainers: [] })).toEqual([]);
  });

  it('property: folderOwner reads back the layout of any component and app name', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/);
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), token, (component, app) => {
      expect(folderOwner(volumeLayout('/d', app, component).folderId)).toEqual({ component: component.toLowerCase(), app: app.toLowerCase() });
    }));
  });

  it('property: only volumes of unscheduled, undesired apps without containers are removed', () => {
    const app = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('web', 'db'), app)), fc.array(app), fc.array(app), fc.array(app), (vols, desiredApps, unscheduledApps, appsWithContainers) => {
      const ids = vols.map(([c, a]) => `flux${c}_${a}`);
      for (const id of volumesToRemove(ids, { desiredApps, unscheduledApps, appsWithContainers })) {
        const a = folderOwner(id)!.app;
        expect(unscheduledApps).toContain(a);
        expect(desiredApps).not.toContain(a);
        expect(appsWithContainers).not.toContain(a);
      }
    }));
  });
});
