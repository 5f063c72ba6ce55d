import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { makeEvent, Subjects, type DomainEvent, type RegisteredApp } from '@fluxplane/contracts';
import { createTestDatabase, TestDatabase } from '@fluxplane/testkit';
import { RoutingProjection } from '../src/projections/routing.projection';
import { RoutingStateReader } from '../src/projections/routing-state.reader';
import { desiredRoutes } from '../src/domain/desired-routes';
import { SCHEMA } from '../src/schema';
import { runtimeView } from '@fluxplane/flux-spec';

const DOMAIN = 'fluxplane.test';
const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);

/** The projection fed event by event against a real Postgres, read back as the applier reads it. */
describe('routing projection: chain reorganisations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let seq = 0;
  const projection = new RoutingProjection();

  const registered = (name: string, hash: string, port: number): RegisteredApp => spec_(name, hash, { version: 3, name, ports: [String(port)], instances: 3 });
  const spec_ = (name: string, hash: string, spec: Record<string, unknown>): RegisteredApp => ({
    name, hash, owner: 'owner', spec, runtime: runtimeView(spec), txid: `tx-${hash.slice(0, 4)}`,
    height: 10, expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
  });
  const apply = (e: DomainEvent) => ds.transaction((em) => projection.apply(e, em, { seq: ++seq }));
  const ev = (type: string, subject: string, data: unknown) => makeEvent(type as never, subject, data as never) as unknown as DomainEvent;
  const hosts = async () => desiredRoutes(await new RoutingStateReader(ds).load(), DOMAIN).hosts.map((h) => `${h.host} ${h.backend}`);

  beforeAll(async () => {
    db = await createTestDatabase('dmproj');
    ds = await db.dataSource();
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
    await ds.transaction((em) => projection.setup(em));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('routes a custom domain to the oldest claim, which keeps its age across updates and loses it on expiry', async () => {
    const withDomain = (name: string, hash: string, port: number, domains: string[], description = '') =>
      spec_(name, hash, { version: 3, name, description, ports: [String(port)], domains, instances: 3 });
    const owners = async () => (await hosts()).filter((h) => h.includes('cd.test'));
    await apply(ev('AppRegistered', Subjects.app('cdfirst'), withDomain('cdfirst', H1, 31101, ['shop.cd.test'])));
    await apply(ev('AppRegistered', Subjects.app('cdlate'), withDomain('cdlate', H1, 31102, ['www.shop.cd.test'])));
    expect(await owners()).toEqual(['shop.cd.test be_cdfirst_31101', 'www.shop.cd.test be_cdfirst_31101']);
    // An update that keeps the domain keeps the claim's age: the later app does not take it over.
    await apply(ev('AppUpdated', Subjects.app('cdfirst'), withDomain('cdfirst', H2, 31101, ['shop.cd.test'], 'v2')));
    expect(await owners()).toEqual(['shop.cd.test be_cdfirst_31101', 'www.shop.cd.test be_cdfirst_31101']);
    // The owner expires: the next claim owns it. Registered again later, the first app is the newer claim.
    await apply(ev('AppExpired', Subjects.app('cdfirst'), { name: 'cdfirst', hash: H2, height: 22010 }));
    expect(await owners()).toEqual(['shop.cd.test be_cdlate_31102', 'www.shop.cd.test be_cdlate_31102']);
    await apply(ev('AppRegistered', Subjects.app('cdfirst'), withDomain('cdfirst', H1, 31101, ['shop.cd.test'])));
    expect(await owners()).toEqual(['shop.cd.test be_cdlate_31102', 'www.shop.cd.test be_cdlate_31102']);
  });

  it('drops an app whose first registration is reverted', async () => {
    await apply(ev('AppRegistered', Subjects.app('revone'), registered('revone', H1, 31001)));
    expect(await hosts()).toContain('revone.app.fluxplane.test be_revone_31001');
    await apply(ev('AppRegistrationReverted', Subjects.app('revone'), { name: 'revone', hash: H1, height: 10, reverted: 'AppRegistered', restored: null }));
    expect((await hosts()).filter((h) => h.startsWith('revone'))).toEqual([]);
  });

  it('goes back to the previous ports when an update is reverted', async () => {
    await apply(ev('AppRegistered', Subjects.app('revupd'), registered('revupd', H1, 31002)));
    await apply(ev('AppUpdated', Subjects.app('revupd'), registered('revupd', H2, 31003)));
    expect(await hosts()).toContain('revupd.app.fluxplane.test be_revupd_31003');
    await apply(ev('AppRegistrationReverted', Subjects.app('revupd'), {
      name: 'revupd', hash: H2, height: 10, reverted: 'AppUpdated',
      restored: { ...registered('revupd', H1, 31002), promotedBy: 'AppRegistered', active: true, expiredAtHeight: null },
    }));
    expect((await hosts()).filter((h) => h.startsWith('revupd'))).toEqual([
      'revupd.app.fluxplane.test be_revupd_31002', 'revupd_31002.app.fluxplane.test be_revupd_31002',
    ]);
  });

  it('routes an app again when its expiry is reverted', async () => {
    await apply(ev('AppRegistered', Subjects.app('revexp'), registered('revexp', H1, 31004)));
    await apply(ev('AppExpired', Subjects.app('revexp'), { name: 'revexp', hash: H1, height: 22010 }));
    expect((await hosts()).filter((h) => h.startsWith('revexp'))).toEqual([]);
    await apply(ev('AppExpiryReverted', Subjects.app('revexp'), { name: 'revexp', hash: H1, height: 22010 }));
    expect(await hosts()).toContain('revexp.app.fluxplane.test be_revexp_31004');
    await apply(ev('InstanceStarted', Subjects.instance('revexp', 'n1'), {
      app: 'revexp', nodeId: 'n1', ip: '127.0.0.2', specHash: H1, ports: [31004], containers: [],
    }));
    const table = desiredRoutes(await new RoutingStateReader(ds).load(), DOMAIN);
    expect(table.backends.find((b) => b.name === 'be_revexp_31004')?.servers.map((s) => s.name)).toEqual(['127.0.0.2:31004']);
  });

  it('keeps an expired app unrouted when the restored registration had expired', async () => {
    await apply(ev('AppRegistered', Subjects.app('revold'), registered('revold', H1, 31005)));
    await apply(ev('AppExpired', Subjects.app('revold'), { name: 'revold', hash: H1, height: 22010 }));
    await apply(ev('AppRegistered', Subjects.app('revold'), registered('revold', H2, 31006)));
    expect(await hosts()).toContain('revold.app.fluxplane.test be_revold_31006');
    await apply(ev('AppRegistrationReverted', Subjects.app('revold'), {
      name: 'revold', hash: H2, height: 10, reverted: 'AppRegistered',
      restored: { ...registered('revold', H1, 31005), promotedBy: 'AppRegistered', active: false, expiredAtHeight: 22010 },
    }));
    expect((await hosts()).filter((h) => h.startsWith('revold'))).toEqual([]);
  });

  it('keeps the master of the highest term per g: component and ignores a lower term arriving late', async () => {
    const spec = { version: 3, name: 'gapp', ports: ['31007'], containerData: 'g:/data', instances: 3 };
    await apply(ev('AppRegistered', Subjects.app('gapp'), spec_('gapp', H1, spec)));
    for (const [n, ip] of [['n1', '127.0.0.2'], ['n2', '127.0.0.3'], ['n3', '127.0.0.4']] as const) {
      await apply(ev('InstanceStarted', Subjects.instance('gapp', n), { app: 'gapp', nodeId: n, ip, specHash: H1, ports: [31007], containers: [] }));
    }
    const servers = async () => desiredRoutes(await new RoutingStateReader(ds).load(), DOMAIN).backends.find((b) => b.name === 'be_gapp_31007')?.servers.map((s) => s.name);
    expect(await servers()).toEqual([]); // no master yet: nobody
    const elected = (nodeId: string, term: number) => ev('MasterElected', Subjects.master('gapp'), { app: 'gapp', component: 'gapp', nodeId, term, reason: 'test', leaseMs: 3000 });
    await apply(elected('n1', 1));
    expect(await servers()).toEqual(['127.0.0.2:31007']);
    await apply(elected('n3', 3));
    await apply(elected('n2', 2)); // late
    expect(await servers()).toEqual(['127.0.0.4:31007']);
    expect((await new RoutingStateReader(ds).load()).masters).toEqual([{ app: 'gapp', component: 'gapp', nodeId: 'n3', term: 3 }]);
    // An update without g: routes every running instance again.
    await apply(ev('AppUpdated', Subjects.app('gapp'), spec_('gapp', H2, { ...spec, containerData: '/data' })));
    expect(await servers()).toEqual(['127.0.0.2:31007', '127.0.0.3:31007', '127.0.0.4:31007']);
  });
});
