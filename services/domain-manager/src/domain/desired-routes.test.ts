import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes, hostAddress } from './desired-routes';
import { routeSummary } from './route-table';
import { routingState } from './arbitraries.testkit';

const DOMAIN = 'fluxplane.test';

describe('desiredRoutes', () => {
  it('routes the app name to its first port and every port by <app>_<port>', () => {
    const table = desiredRoutes({
      apps: [{ name: 'demo', ports: [31000, 31001] }, { name: 'idle', ports: [32000] }],
      instances: [
        { app: 'demo', nodeId: 'a', ip: '127.0.0.2', ports: [31000, 31001], running: true },
        { app: 'Demo', nodeId: 'b', ip: '127.0.0.3:16127', ports: [], running: true },
        { app: 'demo', nodeId: 'c', ip: '127.0.0.4', ports: [31000], running: false },
        { app: 'ghost', nodeId: 'd', ip: '127.0.0.5', ports: [1], running: true },
      ],
    }, 'FluxPlane.Test');
    expect(routeSummary(table)).toEqual([
      { host: 'demo.app.fluxplane.test', servers: ['127.0.0.2:31000', '127.0.0.3:31000'] },
      { host: 'demo_31000.app.fluxplane.test', servers: ['127.0.0.2:31000', '127.0.0.3:31000'] },
      { host: 'demo_31001.app.fluxplane.test', servers: ['127.0.0.2:31001', '127.0.0.3:31001'] },
      { host: 'idle.app.fluxplane.test', servers: [] },
      { host: 'idle_32000.app.fluxplane.test', servers: [] },
    ]);
    expect(table.backends.map((b) => b.name)).toEqual(['be_demo_31000', 'be_demo_31001', 'be_idle_32000']);
  });

  it('skips instances that do not publish the port and names that cannot be hosts', () => {
    const table = desiredRoutes({
      apps: [{ name: 'web', ports: [80, 81] }, { name: 'bad_name', ports: [1] }, { name: 'noports', ports: [] }],
      instances: [{ app: 'web', nodeId: 'a', ip: '10.0.0.1', ports: [80], running: true }, { app: 'web', nodeId: 'b', ip: 'not-an-ip', ports: [], running: true }],
    }, DOMAIN);
    expect(table.backends.map((b) => [b.name, b.servers.map((s) => s.name)])).toEqual([['be_web_80', ['10.0.0.1:80']], ['be_web_81', []]]);
  });

  it('normalises addresses', () => {
    expect(hostAddress('10.1.2.3:16127')).toBe('10.1.2.3');
    expect(hostAddress('[::1]:16127')).toBe('::1');
    expect(hostAddress('::1')).toBe('::1');
    expect(hostAddress('example.com')).toBeUndefined();
    expect(hostAddress('999.1.1.1')).toBeUndefined();
  });

  it('refuses an IPv6 zone id, which HAProxy refuses in a server name (one such instance failed every apply)', () => {
    expect(hostAddress('fe80::1%eth0')).toBeUndefined();
    expect(hostAddress('[fe80::1%eth0]:16127')).toBeUndefined();
    const table = desiredRoutes({
      apps: [{ name: 'web', ports: [80] }],
      instances: [
        { app: 'web', nodeId: 'a', ip: '10.0.0.1', ports: [], running: true },
        { app: 'web', nodeId: 'b', ip: 'fe80::1%eth0', ports: [], running: true },
      ],
    }, DOMAIN);
    expect(table.backends[0]!.servers.map((s) => s.name)).toEqual(['10.0.0.1:80']);
  });

  it('property: every running instance of an active app appears exactly once in each of its backends', () => {
    fc.assert(fc.property(routingState, (state) => {
      const table = desiredRoutes(state, DOMAIN);
      for (const inst of state.instances.filter((i) => i.running)) {
        const app = state.apps.find((a) => a.name === inst.app.toLowerCase());
        if (!app) continue;
        for (const port of app.ports) {
          const backend = table.backends.find((b) => b.name === `be_${app.name}_${port}`)!;
          expect(backend.servers.filter((s) => s.address === inst.ip && s.port === port)).toHaveLength(1);
        }
      }
    }));
  });

  it('property: no server of a stopped instance or of an unknown app is routed', () => {
    fc.assert(fc.property(routingState, (state) => {
      const table = desiredRoutes(state, DOMAIN);
      const routed = new Set(table.backends.flatMap((b) => b.servers.map((s) => s.address)));
      for (const inst of state.instances) {
        const active = state.apps.some((a) => a.name === inst.app.toLowerCase() && a.ports.length > 0);
        if (!inst.running || !active) expect(routed.has(inst.ip)).toBe(false);
      }
    }));
  });

  it('property: hosts are lowercase, unique, sorted, under app.<domain>, and point at existing backends', () => {
    fc.assert(fc.property(routingState, fc.constantFrom('fluxplane.test', 'Example.ORG'), (state, domain) => {
      const table = desiredRoutes(state, domain);
      const hosts = table.hosts.map((h) => h.host);
      expect(hosts).toEqual([...new Set(hosts)].sort());
      const backends = new Set(table.backends.map((b) => b.name));
      for (const h of table.hosts) {
        expect(h.host).toBe(h.host.toLowerCase());
        expect(h.host.endsWith(`.app.${domain.toLowerCase()}`)).toBe(true);
        expect(backends.has(h.backend)).toBe(true);
      }
      // Each app with ports has its bare name and one name per port.
      for (const app of state.apps.filter((a) => a.ports.length > 0)) {
        expect(hosts).toContain(`${app.name}.app.${domain.toLowerCase()}`);
        for (const p of app.ports) expect(hosts).toContain(`${app.name}_${p}.app.${domain.toLowerCase()}`);
      }
    }));
  });

  it('property: the decision does not depend on input order', () => {
    fc.assert(fc.property(routingState, fc.infiniteStream(fc.nat()), (state, randoms) => {
      const shuffle = <T>(xs: T[]) => xs.map((x) => ({ x, k: randoms.next().value })).sort((a, b) => a.k - b.k).map((e) => e.x);
      expect(desiredRoutes({ apps: shuffle(state.apps), instances: shuffle(state.instances) }, DOMAIN)).toEqual(desiredRoutes(state, DOMAIN));
    }));
  });
});
