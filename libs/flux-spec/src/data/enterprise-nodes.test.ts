import { describe, expect, it } from 'vitest';
import { enterpriseOwnersOf, FLUXOS_ENTERPRISE_NODES, FLUXOS_ENTERPRISE_OWNERS } from './enterprise-nodes';

describe('FluxOS enterprise nodes data', () => {
  it('keys are fluxnode public keys and values owner addresses', () => {
    for (const [pubKey, owners] of Object.entries(FLUXOS_ENTERPRISE_NODES)) {
      expect(pubKey).toMatch(/^0[23][0-9a-f]{64}$|^04[0-9a-f]{128}$/);
      for (const owner of owners) expect(owner).toMatch(/^(1[1-9A-HJ-NP-Za-km-z]{25,34}|0x[0-9a-fA-F]{40})$/);
    }
  });

  it('the owners are the union of every node\'s owners, each once (FluxOS getEnterpriseAppOwners)', () => {
    expect(enterpriseOwnersOf({ a: ['o1', 'o2'], b: ['o2', 'o3'], c: [] })).toEqual(['o1', 'o2', 'o3']);
    expect(FLUXOS_ENTERPRISE_OWNERS).toEqual(['15ULw4JU6wqGESRYU3z3MjFETqLN3sA9Gn']);
  });
});
