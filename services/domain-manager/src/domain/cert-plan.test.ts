import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes } from './desired-routes';
import { certFileName, isCertifiableName, namesToCertify } from './cert-names';
import { isValidAt, planCertificates, renewAt, retryAt, type CertPolicy, type StoredCertificate } from './cert-plan';
import { routingState } from './arbitraries.testkit';

const D = 'fluxplane.test';
const DAY = 86_400_000;
const policy: CertPolicy = { renewBeforeMs: 30 * DAY, retryMinMs: 1000, retryMaxMs: 60_000 };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const cert = (name: string, fromMs: number, lifeMs: number): StoredCertificate => ({ name, serial: `s-${name}-${fromMs}`, notBefore: at(fromMs), notAfter: at(fromMs + lifeMs) });

describe('namesToCertify', () => {
  it('certifies <app>.app.<domain> of every routed app, not the <app>_<port> names', () => {
    const table = desiredRoutes({ apps: [{ name: 'demo', ports: [31000, 31001] }, { name: 'two', ports: [32000] }], instances: [] }, D);
    expect(namesToCertify(table)).toEqual(['demo.app.fluxplane.test', 'two.app.fluxplane.test']);
  });
  it('takes extra names (custom domains), lowercased, without a trailing dot, once each, and drops what cannot be certified', () => {
    expect(namesToCertify({ hosts: [] }, ['Shop.Example.COM.', 'shop.example.com', 'bad_name.example.com', 'localhost', '*.x.com', ''])).toEqual(['shop.example.com']);
  });
  it('property: every name is certifiable, unique and sorted; the file name is the name', () => {
    fc.assert(fc.property(routingState, fc.array(fc.domain(), { maxLength: 5 }), (state, extra) => {
      const names = namesToCertify(desiredRoutes(state, D), extra);
      expect(names.every(isCertifiableName)).toBe(true);
      expect(names).toEqual([...new Set(names)].sort());
      for (const app of state.apps.filter((a) => a.ports.length > 0)) expect(names).toContain(`${app.name}.app.${D}`);
      for (const n of names) expect(certFileName(n)).toBe(`${n}.pem`);
    }));
  });
});

describe('renewAt', () => {
  it('is the margin before expiry', () => {
    expect(renewAt(cert('a.b', 0, 90 * DAY), policy)).toEqual(at(60 * DAY));
  });
  it('never lies before half the lifetime (a short-lived certificate is not renewed in a loop)', () => {
    expect(renewAt(cert('a.b', 0, 20_000), policy)).toEqual(at(10_000));
  });
  it('property: lies within [notBefore + life/2, notAfter]', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 400 * DAY }), fc.integer({ min: 0, max: 400 * DAY }), (life, margin) => {
      const c = cert('a.b', 0, life);
      const r = renewAt(c, { renewBeforeMs: margin }).getTime();
      expect(r).toBeGreaterThanOrEqual(t0.getTime() + life / 2);
      expect(r).toBeLessThanOrEqual(c.notAfter.getTime());
    }));
  });
});

describe('planCertificates', () => {
  it('issues a missing certificate, serves none yet', () => {
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [], now: t0, policy })).toEqual({ issue: [{ name: 'a.app.x.test', reason: 'missing' }], serve: [] });
  });
  it('serves a valid certificate and looks again when it is due for renewal', () => {
    const c = cert('a.app.x.test', 0, 90 * DAY);
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [c], now: at(DAY), policy })).toEqual({ issue: [], serve: ['a.app.x.test'], nextCheckAt: at(60 * DAY) });
  });
  it('renews a certificate once it is within the margin, and keeps serving it meanwhile', () => {
    const c = cert('a.app.x.test', 0, 90 * DAY);
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [c], now: at(61 * DAY), policy })).toEqual({ issue: [{ name: 'a.app.x.test', reason: 'expiring' }], serve: ['a.app.x.test'] });
  });
  it('does not serve an expired certificate (no redirect to a broken HTTPS), and issues a new one', () => {
    const c = cert('a.app.x.test', 0, 90 * DAY);
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [c], now: at(91 * DAY), policy })).toEqual({ issue: [{ name: 'a.app.x.test', reason: 'expired' }], serve: [] });
  });
  it('stops serving a name that is no longer wanted (its file is kept: no re-issue if it comes back)', () => {
    const c = cert('gone.app.x.test', 0, 90 * DAY);
    expect(planCertificates({ wanted: [], stored: [c], now: at(DAY), policy })).toEqual({ issue: [], serve: [] });
  });
  it('backs off after failures, and tries again when the backoff has passed', () => {
    const failures = [{ name: 'a.app.x.test', failures: 3, lastFailureAt: t0 }];
    expect(retryAt(failures[0]!, policy)).toEqual(at(4000));
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [], failures, now: at(3999), policy })).toEqual({ issue: [], serve: [], nextCheckAt: at(4000) });
    expect(planCertificates({ wanted: ['a.app.x.test'], stored: [], failures, now: at(4000), policy }).issue).toEqual([{ name: 'a.app.x.test', reason: 'missing' }]);
    expect(retryAt({ failures: 50, lastFailureAt: t0 }, policy)).toEqual(at(60_000));
  });
  it('property: issues only wanted names that have no certificate or one due; serves exactly the wanted valid ones; the next check is in the future', () => {
    const arb = fc.record({
      wanted: fc.uniqueArray(fc.constantFrom('a.x.test', 'b.x.test', 'c.x.test', 'd.x.test'), { maxLength: 4 }),
      stored: fc.uniqueArray(fc.record({ name: fc.constantFrom('a.x.test', 'b.x.test', 'c.x.test', 'e.x.test'), from: fc.integer({ min: -100 * DAY, max: DAY }), life: fc.integer({ min: 1, max: 100 * DAY }) }), { selector: (c) => c.name }),
      failures: fc.uniqueArray(fc.record({ name: fc.constantFrom('a.x.test', 'd.x.test'), failures: fc.integer({ min: 0, max: 10 }), ago: fc.integer({ min: 0, max: 120_000 }) }), { selector: (f) => f.name }),
      margin: fc.integer({ min: 0, max: 60 * DAY }),
    });
    fc.assert(fc.property(arb, ({ wanted, stored, failures, margin }) => {
      const now = t0;
      const p = { ...policy, renewBeforeMs: margin };
      const certs = stored.map((s) => cert(s.name, s.from, s.life));
      const fails = failures.map((f) => ({ name: f.name, failures: f.failures, lastFailureAt: at(-f.ago) }));
      const plan = planCertificates({ wanted, stored: certs, failures: fails, now, policy: p });
      const byName = new Map(certs.map((c) => [c.name, c]));
      for (const { name, reason } of plan.issue) {
        expect(wanted).toContain(name);
        const c = byName.get(name);
        if (reason === 'missing') expect(c).toBeUndefined();
        else expect(now.getTime()).toBeGreaterThanOrEqual(renewAt(c!, p).getTime());
        const f = fails.find((x) => x.name === name);
        if (f && f.failures > 0) expect(retryAt(f, p).getTime()).toBeLessThanOrEqual(now.getTime());
      }
      expect(plan.serve).toEqual(wanted.filter((n) => byName.has(n) && isValidAt(byName.get(n)!, now)).sort());
      if (plan.nextCheckAt) expect(plan.nextCheckAt.getTime()).toBeGreaterThan(now.getTime());
      // A wanted name neither issued nor scheduled is impossible: each is handled now or later.
      if (wanted.some((n) => !plan.issue.some((i) => i.name === n))) expect(plan.nextCheckAt).toBeDefined();
    }));
  });
});
