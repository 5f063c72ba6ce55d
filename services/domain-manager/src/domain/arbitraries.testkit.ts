import fc from 'fast-check';
import type { RoutingState } from './routing-state';

/**
 * Random routing states: apps with lowercase names and ports; instances of known and unknown apps,
 * running or not, each on its own address (127.<n> octets), so "this instance's server" is
 * unambiguous in the properties.
 */
export const appName = fc.stringMatching(/^[a-z][a-z0-9]{1,11}$/);
export const port = fc.integer({ min: 1, max: 65535 });

export const routingState: fc.Arbitrary<RoutingState> = fc
  .record({
    apps: fc.uniqueArray(fc.record({ name: appName, ports: fc.uniqueArray(port, { minLength: 0, maxLength: 3 }) }), { selector: (a) => a.name, maxLength: 6 }),
    extraApps: fc.array(appName, { maxLength: 2 }),
    instances: fc.array(fc.record({ appIndex: fc.nat(), running: fc.boolean(), reportsPorts: fc.boolean(), upper: fc.boolean() }), { maxLength: 20 }),
  })
  .map(({ apps, extraApps, instances }) => {
    const names = [...apps.map((a) => a.name), ...extraApps];
    return {
      apps,
      instances: names.length === 0 ? [] : instances.map((inst, i) => {
        const app = names[inst.appIndex % names.length]!;
        const spec = apps.find((a) => a.name === app);
        return {
          app: inst.upper ? app.toUpperCase() : app,
          nodeId: `node-${i}`,
          ip: `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          ports: inst.reportsPorts ? [...(spec?.ports ?? [])] : [],
          running: inst.running,
        };
      }),
    };
  });

/**
 * Routing states where some apps are primary/standby (`g:` component `db`, maybe after a non-`g:`
 * one) and masters were elected for some of them, on a node holding an instance of the app or on
 * any other node, at random terms.
 */
export const primaryStandbyState: fc.Arbitrary<RoutingState> = routingState.chain((state) =>
  fc.record({
    g: fc.array(fc.boolean(), { minLength: state.apps.length, maxLength: state.apps.length }),
    masters: fc.array(fc.record({ appIndex: fc.nat(), node: fc.nat({ max: 25 }), term: fc.integer({ min: 1, max: 50 }) }), { maxLength: 8 }),
  }).map(({ g, masters }) => {
    const apps = state.apps.map((a, i) => (g[i] ? { ...a, primaryStandby: ['db'] } : a));
    const gApps = apps.filter((a) => a.primaryStandby);
    return {
      ...state,
      apps,
      masters: gApps.length === 0 ? [] : masters.map((m) => ({ app: gApps[m.appIndex % gApps.length]!.name, component: 'db', nodeId: `node-${m.node}`, term: m.term })),
    };
  }));
