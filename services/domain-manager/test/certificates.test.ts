import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { startPebble, type Pebble } from '@fluxplane/devnet';
import { runtimeView } from '@fluxplane/flux-spec';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, EventStoreWithDatabaseFixture, freePort, getReply, successData, waitUntil } from '@fluxplane/testkit';
import { DomainManagerConfig } from '../src/config';
import { DomainManagerModule } from '../src/app.module';
import { HaproxyRuntime } from '../src/adapters/haproxy-runtime';
import { CertificateManager, type CertificateStatus } from '../src/reconcile/certificate-manager';
import { get, startEcho, startHaproxy, TestHaproxy } from './haproxy-harness';
import { httpsGet } from './tls-client';

const ROOT = resolve(__dirname, '../../..');
const DOMAIN = 'fluxplane.test';
const NAME = `demo.app.${DOMAIN}`;
const HASH = 'b'.repeat(64);
/** pebble's certificates live this long here; renewal falls due half-way (the margin is longer). */
const VALIDITY_S = 24;

/**
 * Certificates with a real HAProxy, a real pebble (HTTP-01 validated through HAProxy's HTTP
 * frontend, names resolved by a fake DNS to 127.0.0.1), a real event store, and the domain manager
 * in-process: issue, serve over HTTPS, redirect HTTP, renew without a reload, keep across a restart.
 */
describe('certificates: ACME HTTP-01 through HAProxy, installed and renewed at runtime', () => {
  let fx: EventStoreWithDatabaseFixture;
  let haproxy: TestHaproxy;
  let pebble: Pebble;
  let app: NestFastifyApplication | undefined;
  let echo: Server;
  let appPort: number;
  let tlsPort: number;
  let httpPort: number;
  let runtime: HaproxyRuntime;
  const run = mkdtempSync(join(tmpdir(), 'fp-pebble-'));

  const env = () => ({
    HTTP_PORT: String(httpPort), NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent', APP_DOMAIN: DOMAIN,
    HAPROXY_CONFIG: haproxy.config, HAPROXY_MAP: haproxy.map, HAPROXY_MASTER_SOCKET: haproxy.master, HAPROXY_ADMIN_SOCKET: haproxy.admin,
    HAPROXY_BIND: `127.0.0.1:${haproxy.port}`, APPLY_DEBOUNCE_MS: '50', RESYNC_INTERVAL_MS: '0',
    ACME_DIRECTORY_URL: pebble.directoryUrl, ACME_CA_FILE: pebble.tlsCaFile, TLS_BIND: `127.0.0.1:${tlsPort}`,
    CERT_RENEW_BEFORE_S: '3600', CERT_CHECK_INTERVAL_MS: '60000', CERT_RETRY_MIN_MS: '300', CERT_RETRY_MAX_MS: '2000',
  });
  async function start(extra: Record<string, string> = {}): Promise<NestFastifyApplication> {
    const config = loadConfig(DomainManagerConfig, { ...env(), ...extra });
    const logger = createLogger('domain-manager', 'silent');
    return startService({ module: DomainManagerModule.forRoot(config, logger), config, logger });
  }
  const issued = async () => (await fx.store.readStream(Subjects.certificate(NAME))).events.map((e) => e.event).filter((e) => e.type === 'CertificateIssued');
  const reloads = async () => (await runtime.proc()).reloads;
  const certificates = async () => successData(await getReply<{ certificates: CertificateStatus[] }>(`http://127.0.0.1:${httpPort}/certificates`)).certificates;

  beforeAll(async () => {
    [fx, haproxy] = await Promise.all([eventStoreFixture({ database: 'dm_certs' }), startHaproxy()]);
    fx.onClose(() => haproxy.stop());
    fx.onClose(() => rmSync(run, { recursive: true, force: true }));
    pebble = await startPebble({ root: ROOT, run, httpPort: haproxy.port, validityS: VALIDITY_S });
    fx.onClose(() => pebble.stop());
    runtime = new HaproxyRuntime({ admin: haproxy.admin, master: haproxy.master });
    appPort = await freePort('127.0.0.2');
    echo = await startEcho('127.0.0.2', appPort);
    fx.onClose(() => echo.close());
    [tlsPort, httpPort] = [await freePort(), await freePort()];
    fx.onClose(() => app?.close());
    app = await start();
    const spec = { version: 3, name: 'demo', ports: [String(appPort)], instances: 3 };
    await fx.store.append(Subjects.app('demo'), [makeEvent('AppRegistered', Subjects.app('demo'), {
      name: 'demo', hash: HASH, owner: 'owner', spec, runtime: runtimeView(spec), txid: 'tx', height: 10,
      expireBlocks: 22000, expiresAtHeight: 22010, timestamp: 1, signature: 'sig', amountSat: 1,
    })], 'any');
    await fx.store.append(Subjects.instance('demo', 'node-a'), [makeEvent('InstanceStarted', Subjects.instance('demo', 'node-a'), {
      app: 'demo', nodeId: 'node-a', ip: '127.0.0.2', specHash: HASH, ports: [appPort], containers: [{ component: 'demo', id: 'c-a' }],
    })], 'any');
  }, 60_000);

  afterAll(() => fx?.close());

  it('obtains a certificate for <app>.app.<domain> over HTTP-01 through HAProxy and serves the app over HTTPS with it', async () => {
    const t0 = performance.now();
    const res = await waitUntil(async () => {
      const r = await httpsGet(tlsPort, NAME, pebble.issuingRoot()).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: `https://${NAME} answering with pebble's certificate` });
    console.log(`[certificates] app registered → HTTPS with a pebble certificate: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(res.body).toBe('127.0.0.2');
    const events = await issued();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ name: NAME, serial: res.serial, renewal: false });
    // Stored as a file HAProxy loads, readable only by its owner.
    const file = join(haproxy.dir, 'certs', `${NAME}.pem`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The manager records it as served once HAProxy's runtime API answered, which is a moment after
    // HAProxy began to present it: wait for the status, not for the handshake.
    const status = await waitUntil(async () => {
      const [c] = await certificates();
      return c?.served ? c : undefined;
    }, { timeoutMs: 10_000, what: 'the certificate reported as served' });
    expect(status).toMatchObject({ name: NAME, serial: res.serial, served: true });
    // No certificate for an unknown name: the handshake is refused (strict SNI), nothing else is served.
    await expect(httpsGet(tlsPort, `other.app.${DOMAIN}`, pebble.issuingRoot())).rejects.toThrow(/unrecognized name|alert/i);
  }, 60_000);

  it('redirects plain HTTP to HTTPS for a name with a certificate, not for the per-port name (no certificate)', async () => {
    const r = await new Promise<{ status: number; location?: string }>((resolve_, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: haproxy.port, path: '/x?y=1', headers: { host: `${NAME}:${haproxy.port}` }, agent: false }, (res) => {
          res.resume();
          resolve_({ status: res.statusCode ?? 0, location: res.headers.location });
        });
        req.once('error', reject);
        req.end();
      }, reject);
    });
    expect(r).toEqual({ status: 301, location: `https://${NAME}:${tlsPort}/x?y=1` });
    expect(await get(haproxy.port, `demo_${appPort}.app.${DOMAIN}`)).toMatchObject({ status: 200, body: '127.0.0.2' });
  });

  it('renews before expiry and HAProxy serves the new certificate without a reload', async () => {
    const before = await httpsGet(tlsPort, NAME, pebble.issuingRoot());
    const reloadsBefore = await reloads();
    const renewed = await waitUntil(async () => {
      const r = await httpsGet(tlsPort, NAME, pebble.issuingRoot()).catch(() => undefined);
      return r && r.serial !== before.serial && r.status === 200 ? r : undefined;
    }, { timeoutMs: VALIDITY_S * 1000, intervalMs: 200, what: 'a renewed certificate served' });
    expect(renewed.body).toBe('127.0.0.2');
    expect(new Date(renewed.notAfter).getTime()).toBeGreaterThan(new Date(before.notAfter).getTime());
    expect(await reloads()).toBe(reloadsBefore);
    const events = await issued();
    expect(events.at(-1)!.data).toMatchObject({ serial: renewed.serial, renewal: true });
  }, 60_000);

  it('keeps its certificates across a restart: served again without issuing a new one', async () => {
    await app!.close();
    app = undefined;
    const served = await httpsGet(tlsPort, NAME, pebble.issuingRoot());
    const count = (await issued()).length;
    // Margin 0: nothing is due before expiry, so any issuance now would be a re-issue.
    app = await start({ CERT_RENEW_BEFORE_S: '0' });
    await waitUntil(async () => (await certificates()).some((c) => c.served), { timeoutMs: 10_000, what: 'the stored certificate served again' });
    await app.get(CertificateManager).idle();
    expect((await certificates())[0]).toMatchObject({ name: NAME, serial: served.serial, served: true });
    expect((await httpsGet(tlsPort, NAME, pebble.issuingRoot())).serial).toBe(served.serial);
    expect(await issued()).toHaveLength(count);
  }, 60_000);
});
