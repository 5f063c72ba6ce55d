import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { runtimeView } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, waitUntil } from '@fluxplane/testkit';
import { DomainManagerConfig } from '../src/config';
import { DomainManagerModule } from '../src/app.module';
import { RouteApplier } from '../src/reconcile/route-applier';
import { get, startEcho, startHaproxy, TestHaproxy } from './haproxy-harness';

const DOMAIN = 'shared.fluxplane.test';
const HASH = 'b'.repeat(64);

/**
 * Two domain-manager replicas in front of ONE HAProxy (deploy/single-vm): with HAPROXY_LEASE only the
 * lease holder drives it; when that replica stops, the other takes the lease and routes what came since.
 */
describe('two domain-manager replicas sharing one HAProxy', () => {
  let fx: EventStoreWithDatabaseFixture;
  let haproxy: TestHaproxy;
  let echo: Server;
  let appPort: number;
  const replicas = new Map<string, NestFastifyApplication>();

  async function startReplica(holder: string): Promise<NestFastifyApplication> {
    const config = loadConfig(DomainManagerConfig, {
      HTTP_PORT: String(await freePort()), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent',
      APP_DOMAIN: DOMAIN,
      HAPROXY_CONFIG: haproxy.config, HAPROXY_MAP: haproxy.map, HAPROXY_MASTER_SOCKET: haproxy.master, HAPROXY_ADMIN_SOCKET: haproxy.admin,
      HAPROXY_BIND: `127.0.0.1:${haproxy.port}`, APPLY_DEBOUNCE_MS: '25', RESYNC_INTERVAL_MS: '0',
      HAPROXY_LEASE: 'lb1', PROJECTION_LEASE_MS: '1500', PROJECTION_LEASE_HOLDER: holder,
    });
    const logger = createLogger('domain-manager', 'silent');
    const app = await startService({ module: DomainManagerModule.forRoot(config, logger), config, logger });
    replicas.set(holder, app);
    return app;
  }

  const deploy = async (name: string) => {
    const spec = { version: 3, name, ports: [String(appPort)], instances: 3 };
    await fx.store.append(Subjects.app(name), [makeEvent('AppRegistered', Subjects.app(name), {
      name, hash: HASH, owner: 'owner', spec, runtime: runtimeView(spec), txid: 'tx', height: 10,
      expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
    })], 'any');
    await fx.store.append(Subjects.instance(name, 'node-a'), [makeEvent('InstanceStarted', Subjects.instance(name, 'node-a'), {
      app: name, nodeId: 'node-a', ip: '127.0.0.2', specHash: HASH, ports: [appPort], containers: [{ component: name, id: `c-${name}` }],
    })], 'any');
  };
  const served = (name: string) => waitUntil(async () => (await get(haproxy.port, `${name}.app.${DOMAIN}`)).body === '127.0.0.2',
    { timeoutMs: 20_000, intervalMs: 50, what: `${name} routed through the shared HAProxy` });
  const driving = () => [...replicas].filter(([, a]) => a.get(RouteApplier).driving).map(([h]) => h);

  beforeAll(async () => {
    [fx, haproxy] = await Promise.all([eventStoreFixture({ database: 'dm_shared' }), startHaproxy()]);
    fx.onClose(() => haproxy.stop());
    appPort = await freePort('127.0.0.2');
    echo = await startEcho('127.0.0.2', appPort);
    fx.onClose(() => echo.close());
    fx.onClose(async () => { for (const a of replicas.values()) await a.close(); });
    await startReplica('dm-a');
    await startReplica('dm-b');
  });

  afterAll(() => fx?.close());

  it('routes through exactly one replica; the other takes over when it stops', async () => {
    await deploy('first');
    await served('first');
    await waitUntil(() => driving().length === 1, { timeoutMs: 10_000, what: 'one replica driving HAProxy' });
    const [active] = driving();
    const standby = [...replicas.keys()].find((h) => h !== active)!;
    expect(replicas.get(standby)!.get(RouteApplier).last).toBeUndefined(); // it never applied anything

    // The active replica stops (its lease released on the way out; a crash would leave it to lapse
    // after PROJECTION_LEASE_MS, as libs/eventstore's lease tests show).
    await replicas.get(active!)!.close();
    replicas.delete(active!);
    await deploy('second');
    await served('second');
    expect(driving()).toEqual([standby]);
    expect((await get(haproxy.port, `first.app.${DOMAIN}`)).body).toBe('127.0.0.2');
  });
});
