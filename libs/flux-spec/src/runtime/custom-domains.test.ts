import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanCustomDomain, customDomains } from './custom-domains';
import { runtimeView } from './view';

describe('custom domains', () => {
  it('cleans entries the way FDM reads them', () => {
    expect(cleanCustomDomain(' HTTPS://www.Shop.Example.com/path?q=1 ')).toBe('shop.example.com');
    expect(cleanCustomDomain('shop.example.com:8080')).toBe('shop.example.com');
    expect(cleanCustomDomain('shop.example.com.')).toBe('shop.example.com');
    for (const bad of ['', ' ', 'localhost', 'a..b', '-a.com', 'a_b.com', '127.0.0.1', 'exa mple.com', `${'a'.repeat(64)}.com`]) {
      expect(cleanCustomDomain(bad), bad).toBeUndefined();
    }
  });

  it('maps domain i of a component to its port i, first claim wins, commas split', () => {
    const view = runtimeView({
      version: 8, name: 'shop', owner: 'o', instances: 1,
      compose: [
        { name: 'web', repotag: 'x/web', ports: [31000, 31001], containerPorts: [80, 81], domains: ['shop.example.com, www.shop.example.com', ''] },
        { name: 'api', repotag: 'x/api', ports: [31002], containerPorts: [80], domains: ['api.example.com,shop.example.com'] },
      ],
    });
    expect(customDomains(view)).toEqual([
      { domain: 'shop.example.com', port: 31000 },
      { domain: 'api.example.com', port: 31002 },
    ]);
  });

  it('only ever yields clean, unique names with a published port', () => {
    const entry = fc.oneof(fc.string(), fc.domain(), fc.domain().map((d) => `https://www.${d}/x`), fc.constant(''));
    fc.assert(fc.property(fc.array(fc.record({ ports: fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 5 }), domains: fc.array(entry, { maxLength: 5 }) }), { maxLength: 4 }), (cs) => {
      const claims = customDomains({ components: cs.map((c, i) => ({
        name: `c${i}`, image: 'x', privateImage: false, ports: c.ports.map((p) => ({ host: p, container: p })), domains: c.domains,
        environment: [], commands: [], data: null, resources: {} as never,
      })) });
      expect(new Set(claims.map((c) => c.domain)).size).toBe(claims.length);
      for (const c of claims) {
        expect(cleanCustomDomain(c.domain)).toBe(c.domain);
        expect(cs.some((x) => x.ports.includes(c.port))).toBe(true);
      }
    }));
  });
});
