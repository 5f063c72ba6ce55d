import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes } from './desired-routes';
import { appIps } from './app-ips';
import { serving } from './primary';
import { routeSummary } from './route-table';
import type { RoutingState } from './routing-state';
import { primaryStandbyState } from './arbitraries.testkit';

const D = 'fluxplane.test';
const three: RoutingState = {
  apps: [{ name: 'counter', ports: [31000, 31001], primaryStandby: ['db'] }, { name: 'plain', ports: [32000] }],
  instances: [
    { app: 'counter', nodeId: 'a', ip: '127.0.0.2', ports: [], running: true },
    { app: 'counter', nodeId: 'b', ip: '127.0.0.3:16127', ports: [], running: true },
    { app: 'counter', nodeId: 'c', ip: '127.0.0.4', ports: [], running: true },
    { app: 'plain', nodeId: 'a', ip: '127.0.0.2', ports: [], running: true },
    { app: 'plain', nodeId: 'b', ip: '127.0.0.3', ports: [], running: true },
  ],
  masters: [{ app: 'counter', component: 'db', nodeId: 'b', term: 2 }],
};
const serversOf = (state: RoutingState, host: string) => routeSummary(desiredRoutes(state, D)).find((r) => r.host === host)?.servers;

describe('primary/standby (g:) routing', () => {
  it('routes every port of a g: app only to the master of the highest term', () => {
    expect(serversOf(three, 'counter.app.fluxplane.test')).toEqual(['127.0.0.3:31000']);
    expect(serversOf(three, 'counter_31001.app.fluxplane.test')).toEqual(['127.0.0.3:31001']);
    expect(serversOf(three, 'plain.app.fluxplane.test')).toEqual(['127.0.0.2:32000', '127.0.0.3:32000']); // other apps as before
    const twoTerms = { ...three, masters: [{ app: 'counter', component: 'db', nodeId: 'c', term: 3 }, { app: 'counter', component: 'db', nodeId: 'a', term: 1 }] };
    expect(serversOf(twoTerms, 'counter.app.fluxplane.test')).toEqual(['127.0.0.4:31000']);
  });

  it('routes nobody (503) before the first master, or while the master instance does not run', () => {
    expect(serversOf({ ...three, masters: [] }, 'counter.app.fluxplane.test')).toEqual([]);
    const down = { ...three, instances: three.instances.map((i) => (i.nodeId === 'b' ? { ...i, running: false } : i)) };
    expect(serversOf(down, 'counter.app.fluxplane.test')).toEqual([]);
    // A master of another component (not the app's first g:) does not count.
    expect(serving(three.apps[0]!, [{ app: 'counter', component: 'other', nodeId: 'a', term: 9 }])).toEqual({ kind: 'none' });
  });

  it('answers /appips with the master first, then the other running instances', () => {
    expect(appIps(three, 'Counter')).toEqual(['127.0.0.3', '127.0.0.2', '127.0.0.4']);
    expect(appIps({ ...three, masters: [] }, 'counter')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(appIps(three, 'plain')).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(appIps(three, 'nope')).toBeUndefined();
  });

  it('answers /appips of a g: app with the master first, then every placed standby, running or not', () => {
    // Standbys keep their component stopped (placed, never running); a plain app lists only running ones.
    const placed: RoutingState = {
      ...three,
      instances: three.instances.map((i) => (i.nodeId === 'b' ? i : { ...i, running: false })),
    };
    expect(appIps(placed, 'counter')).toEqual(['127.0.0.3', '127.0.0.2', '127.0.0.4']);
    expect(appIps(placed, 'plain')).toEqual(['127.0.0.3']);
    // The master is named first as soon as it is placed, before its instance runs.
    const starting = { ...placed, masters: [{ app: 'counter', component: 'db', nodeId: 'c', term: 3 }] };
    expect(appIps(starting, 'counter')).toEqual(['127.0.0.4', '127.0.0.2', '127.0.0.3']);
    // No master yet: every placed instance, in node order.
    expect(appIps({ ...placed, masters: [] }, 'counter')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });

  it('property: /appips of a g: app lists each placed instance once, the master of the highest term first when placed', () => {
    fc.assert(fc.property(primaryStandbyState, (state) => {
      for (const app of state.apps.filter((a) => a.primaryStandby?.length)) {
        const ips = appIps(state, app.name)!;
        const placed = state.instances.filter((i) => i.app.toLowerCase() === app.name);
        expect(new Set(ips).size).toBe(ips.length);
        expect(ips.length).toBeLessThanOrEqual(placed.length);
        const who = serving(app, state.masters);
        const master = who.kind === 'primary' ? placed.find((i) => i.nodeId === who.nodeId) : undefined;
        if (master) expect(ips[0]).toBe(master.ip.split(':')[0]);
      }
    }));
  });

  it('property: a g: app never has more than one server per backend, and only on the master of the highest term', () => {
    fc.assert(fc.property(primaryStandbyState, (state) => {
      const table = desiredRoutes(state, D);
      for (const app of state.apps.filter((a) => a.primaryStandby)) {
        const masters = (state.masters ?? []).filter((m) => m.app === app.name);
        const top = masters.reduce<typeof masters[number] | undefined>((b, m) => (!b || m.term > b.term ? m : b), undefined);
        const addresses = new Set<string>();
        for (const backend of table.backends.filter((b) => b.app === app.name)) {
          expect(backend.servers.length).toBeLessThanOrEqual(1);
          for (const s of backend.servers) addresses.add(s.address);
        }
        expect(addresses.size).toBeLessThanOrEqual(1); // one node serves all its ports
        const ips = appIps(state, app.name)!;
        for (const address of addresses) {
          const inst = state.instances.find((i) => i.running && i.nodeId === top?.nodeId && i.app.toLowerCase() === app.name);
          expect(inst?.ip).toBe(address);
          expect(ips[0]).toBe(address); // /appips names the routed master first
        }
      }
    }));
  });
});
