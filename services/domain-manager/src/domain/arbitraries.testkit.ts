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
