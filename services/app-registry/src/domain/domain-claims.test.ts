import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Refusal } from '@fluxplane/contracts';
import { decideDomainClaims } from './domain-claims';

describe('custom domain claims', () => {
  const others = [{ name: 'Shop', domains: ['shop.example.com'] }, { name: 'blog', domains: [] }];

  it('refuses a domain another app claims, naming it and its owner', () => {
    let err: unknown;
    try { decideDomainClaims('late', ['free.example.com', 'shop.example.com'], others); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(Refusal);
    expect((err as Refusal).rule).toBe('DomainTaken');
    expect((err as Refusal).message).toContain('domain shop.example.com is already claimed by app Shop');
  });

  it('lets an app keep its own domains (an update) and take free ones', () => {
    expect(() => decideDomainClaims('shop', ['shop.example.com'], others)).not.toThrow();
    expect(() => decideDomainClaims('late', ['free.example.com'], others)).not.toThrow();
  });

  it('refuses exactly when a claimed domain is held by an app of another name', () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const dom = fc.constantFrom('x.test', 'y.test', 'z.test');
    fc.assert(fc.property(name, fc.array(dom, { maxLength: 3 }), fc.array(fc.record({ name, domains: fc.array(dom, { maxLength: 2 }) }), { maxLength: 4 }), (app, claimed, os) => {
      const conflict = claimed.some((d) => os.some((o) => o.name !== app && o.domains.includes(d)));
      let refused = false;
      try { decideDomainClaims(app, claimed, os); } catch (e) { refused = e instanceof Refusal && e.rule === 'DomainTaken'; }
      expect(refused).toBe(conflict);
    }));
  });
});
