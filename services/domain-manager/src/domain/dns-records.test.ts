import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredRoutes } from './desired-routes';
import { domainOwners } from './custom-domains';
import { desiredDnsRecords, managedZones, zoneFor, type DnsRecordSet, type DnsSettings } from './dns-records';
import { applyChanges, planDns } from './dns-plan';
import { routingState } from './arbitraries.testkit';
import type { RoutingState } from './routing-state';

const S: DnsSettings = { domain: 'fluxplane.test', targets: ['127.0.0.1'], ttl: 60, customZones: ['custom.test'] };

const state: RoutingState = {
  apps: [
    { name: 'demo', ports: [31000, 31001] },
    { name: 'shop', ports: [32000], domains: [{ domain: 'shop.custom.test', port: 32000, since: 5 }, { domain: 'elsewhere.org', port: 32000, since: 5 }] },
    { name: 'late', ports: [33000], domains: [{ domain: 'shop.custom.test', port: 33000, since: 9 }] },
  ],
  instances: [],
};

describe('desired DNS records', () => {
  it('names every app and port in the app zone, and owned custom domains in their zone, at the load balancers', () => {
    const zones = desiredDnsRecords(desiredRoutes(state, S.domain), { ...S, targets: ['127.0.0.1', '::1', '127.0.0.2'] });
    expect(zones.map((z) => z.zone)).toEqual(['app.fluxplane.test', 'custom.test']);
    const names = (i: number) => zones[i]!.records.filter((r) => r.type === 'A').map((r) => r.name);
    expect(names(0)).toEqual([
      'demo.app.fluxplane.test', 'demo_31000.app.fluxplane.test', 'demo_31001.app.fluxplane.test',
      'late.app.fluxplane.test', 'late_33000.app.fluxplane.test', 'shop.app.fluxplane.test', 'shop_32000.app.fluxplane.test',
    ]);
    // The oldest claim owns shop.custom.test; elsewhere.org is routed but in no managed zone.
    expect(names(1)).toEqual(['shop.custom.test', 'www.shop.custom.test']);
    expect(zones[0]!.records[0]).toEqual({ name: 'demo.app.fluxplane.test', type: 'A', ttl: 60, contents: ['127.0.0.1', '127.0.0.2'] });
    expect(zones[0]!.records.find((r) => r.type === 'AAAA')).toEqual({ name: 'demo.app.fluxplane.test', type: 'AAAA', ttl: 60, contents: ['::1'] });
  });

  it('gives the domain to the oldest claim, and to the next one once it is dropped', () => {
    expect(domainOwners(state.apps, 'app.fluxplane.test').find((o) => o.domain === 'shop.custom.test')).toEqual({ domain: 'shop.custom.test', app: 'shop', port: 32000 });
    const without = state.apps.filter((a) => a.name !== 'shop');
    expect(domainOwners(without, 'app.fluxplane.test')).toEqual([{ domain: 'shop.custom.test', app: 'late', port: 33000 }]);
    // A name in the app zone is never a custom domain.
    expect(domainOwners([{ name: 'x', ports: [1], domains: [{ domain: 'demo.app.fluxplane.test', port: 1, since: 1 }] }], 'app.fluxplane.test')).toEqual([]);
  });

  it('picks the most specific zone', () => {
    expect(zoneFor('a.b.custom.test', ['custom.test', 'b.custom.test'])).toBe('b.custom.test');
    expect(zoneFor('custom.test', ['custom.test'])).toBe('custom.test');
    expect(zoneFor('xcustom.test', ['custom.test'])).toBeUndefined();
    expect(managedZones({ domain: 'FluxPlane.test', customZones: ['custom.test.', 'app.fluxplane.test'] })).toEqual(['app.fluxplane.test', 'custom.test']);
  });
});

describe('DNS plan', () => {
  const rr = (name: string, contents = ['127.0.0.1'], ttl = 60): DnsRecordSet => ({ name, type: 'A', ttl, contents });

  it('writes what is missing or different, removes what nobody wants, one entry per zone with changes', () => {
    const desired = [{ zone: 'app.x.test', records: [rr('a.app.x.test'), rr('b.app.x.test', ['127.0.0.2'])] }, { zone: 'c.test', records: [] }];
    const actual = new Map([['app.x.test', [rr('b.app.x.test'), rr('gone.app.x.test')]], ['c.test', []]]);
    expect(planDns(desired, actual)).toEqual([{
      zone: 'app.x.test',
      upserts: [rr('a.app.x.test'), rr('b.app.x.test', ['127.0.0.2'])],
      deletes: [{ name: 'gone.app.x.test', type: 'A' }],
    }]);
    expect(planDns(desired, new Map([['app.x.test', [rr('a.app.x.test'), rr('b.app.x.test', ['127.0.0.2'])]]]))).toEqual([]);
  });

  const settings = fc.record({
    targets: fc.uniqueArray(fc.oneof(fc.ipV4(), fc.constantFrom('::1', '2001:db8::1')), { minLength: 1, maxLength: 3 }),
    ttl: fc.integer({ min: 1, max: 3600 }),
  }).map((s): DnsSettings => ({ ...S, ...s }));
  const withDomains = routingState.chain((st) => fc.array(fc.record({
    app: fc.nat(), sub: fc.constantFrom('a', 'b', 'www.c', 'demo.app'), zone: fc.constantFrom('custom.test', 'fluxplane.test', 'other.org'), since: fc.nat({ max: 20 }),
  }), { maxLength: 6 }).map((claims) => ({
    ...st,
    apps: st.apps.map((a, i) => ({
      ...a,
      domains: a.ports.length === 0 ? [] : claims.filter((c) => c.app % Math.max(1, st.apps.length) === i).map((c) => ({ domain: `${c.sub}.${c.zone}`, port: a.ports[0]!, since: c.since })),
    })),
  })));
  const zoneState = fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'zz', 'demo'), v: fc.ipV4(), ttl: fc.constantFrom(60, 300) }), { maxLength: 5 });

  it('applying the plan yields the desired zones, and a second plan is empty', () => {
    fc.assert(fc.property(withDomains, settings, zoneState, (st, s, junk) => {
      const desired = desiredDnsRecords(desiredRoutes(st, s.domain), s);
      const actual = new Map(desired.map((z) => [z.zone, junk.map((j) => rr(`${j.name}.${z.zone}`, [j.v], j.ttl))]));
      // Duplicated junk names collapse to one rrset, as a provider would list them.
      for (const [z, rs] of actual) actual.set(z, [...new Map(rs.map((r) => [r.name, r])).values()]);
      const plan = planDns(desired, actual);
      expect(new Set(plan.map((p) => p.zone)).size).toBe(plan.length); // one batch per zone
      const after = new Map([...actual].map(([z, rs]) => [z, applyChanges(rs, plan.find((p) => p.zone === z) ?? { upserts: [], deletes: [] })]));
      for (const z of desired) expect(after.get(z.zone)).toEqual(z.records);
      expect(planDns(desired, after)).toEqual([]);
    }));
  });

  it('every routed host of the app zone has a record, every record a route, and each custom domain one owner', () => {
    fc.assert(fc.property(withDomains, settings, (st, s) => {
      const routes = desiredRoutes(st, s.domain);
      const zones = desiredDnsRecords(routes, s);
      const named = new Set(zones.flatMap((z) => z.records.map((r) => r.name)));
      const hosts = new Set(routes.hosts.map((h) => h.host));
      for (const n of named) expect(hosts.has(n)).toBe(true);
      for (const h of hosts) if (h.endsWith('.app.fluxplane.test') || h.endsWith('.custom.test')) expect(named.has(h)).toBe(true);
      for (const z of zones) for (const r of z.records) expect(zoneFor(r.name, managedZones(s))).toBe(z.zone);
      const owners = domainOwners(st.apps, 'app.fluxplane.test');
      expect(new Set(owners.map((o) => o.domain)).size).toBe(owners.length);
      for (const o of owners) {
        const claims = st.apps.flatMap((a) => (a.domains ?? []).filter((d) => d.domain === o.domain && a.ports.includes(d.port)).map((d) => ({ app: a.name, since: d.since })));
        expect(Math.min(...claims.map((c) => c.since))).toBe(Math.min(...claims.filter((c) => c.app === o.app).map((c) => c.since)));
      }
    }));
  });
});
