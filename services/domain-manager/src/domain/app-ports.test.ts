import { describe, expect, it } from 'vitest';
import { appPorts } from './app-ports';

describe('appPorts', () => {
  it('reads v1 `port`', () => {
    expect(appPorts({ version: 1, port: 30001 })).toEqual([30001]);
    expect(appPorts({ version: 1, port: '30001' })).toEqual([30001]);
  });
  it('reads v2/v3 `ports` (strings in Flux specs)', () => {
    expect(appPorts({ version: 3, ports: ['31000', '31001'] })).toEqual([31000, 31001]);
  });
  it('reads every compose component in order (v4+)', () => {
    expect(appPorts({ version: 7, compose: [{ name: 'web', ports: [33000, 33001] }, { name: 'db', ports: [] }, { name: 'api', ports: [34000] }] }))
      .toEqual([33000, 33001, 34000]);
  });
  it('drops invalid and duplicate ports instead of failing', () => {
    expect(appPorts({ version: 4, compose: [{ ports: [0, 70000, 'x', 33000, 33000] }, null, { ports: 'nope' }] })).toEqual([33000]);
    expect(appPorts({ version: 8 })).toEqual([]);
  });
});
