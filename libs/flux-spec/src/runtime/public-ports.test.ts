import { describe, expect, it } from 'vitest';
import { runtimeView } from './view';

/** FDM routes `<app>.app.<domain>` to the first public port and `<app>_<port>` to each one. */
const publicPorts = (spec: Record<string, unknown>) => runtimeView(spec).publicPorts;

describe('public ports of the runtime view', () => {
  it('reads v1 `port`', () => {
    expect(publicPorts({ version: 1, port: 30001 })).toEqual([30001]);
    expect(publicPorts({ version: 1, port: '30001' })).toEqual([30001]);
  });
  it('reads v2/v3 `ports` (strings in Flux specs)', () => {
    expect(publicPorts({ version: 3, ports: ['31000', '31001'] })).toEqual([31000, 31001]);
  });
  it('reads every compose component in order (v4+)', () => {
    expect(publicPorts({ version: 7, compose: [{ name: 'web', ports: [33000, 33001] }, { name: 'db', ports: [] }, { name: 'api', ports: [34000] }] }))
      .toEqual([33000, 33001, 34000]);
  });
  it('drops invalid and duplicate ports instead of failing', () => {
    expect(publicPorts({ version: 4, compose: [{ ports: [0, 70000, 'x', 33000, 33000] }, null, { ports: 'nope' }] })).toEqual([33000]);
    expect(publicPorts({ version: 8 })).toEqual([]);
  });
});
