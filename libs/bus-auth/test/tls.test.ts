import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { EventStore, NO_STREAM } from '@fluxplane/eventstore';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { startConfiguredNats, type ConfiguredNats } from '@fluxplane/testkit';
import { busConnectOptions, generateBusAuth, type GeneratedAuth } from '../src';

/** TLS on the bus: certificates from scripts/infra/nats-tls.sh, the server verifying clients, plus identities. */
describe('TLS on the bus', () => {
  let dir: string;
  let tls: string;
  let auth: GeneratedAuth;
  let nats: ConfiguredNats;
  const stores: EventStore[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fp-bus-tls-'));
    tls = join(dir, 'tls');
    execFileSync('bash', [resolve(__dirname, '../../../scripts/infra/nats-tls.sh'), '--out', tls, '--host', '127.0.0.1', '--host', 'localhost'], { stdio: 'ignore' });
    auth = generateBusAuth({ dir: join(dir, 'auth'), nodes: [{ nodeId: 'n1' }] });
    nats = await startConfiguredNats({
      config: (port, d) => [
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: ${JSON.stringify(join(d, 'js'))} }`,
        `tls { cert_file: ${JSON.stringify(join(tls, 'server.pem'))}, key_file: ${JSON.stringify(join(tls, 'server-key.pem'))}, ca_file: ${JSON.stringify(join(tls, 'ca.pem'))}, verify: true, timeout: 2 }`,
        `include ${JSON.stringify(relative(d, auth.configFile))}`,
        '',
      ].join('\n'),
    });
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (name: string, t: { caFile?: string; certFile?: string; keyFile?: string }) => {
    const id = auth.identities.find((i) => i.name === name)!;
    return EventStore.connect({
      servers: `tls://127.0.0.1:${nats.port}`,
      connectOptions: { ...busConnectOptions({ nkeySeedFile: id.seedFile, inboxPrefix: id.inboxPrefix, tls: t }), reconnect: false },
    });
  };
  const full = () => ({ caFile: join(tls, 'ca.pem'), certFile: join(tls, 'client.pem'), keyFile: join(tls, 'client-key.pem') });

  it('connects with the CA and a client certificate, and the identity still holds', async () => {
    const n1 = await as('node-n1', full());
    stores.push(n1);
    const event = makeEvent('InstanceFailed', Subjects.instance('shop', 'n1'), { app: 'shop', nodeId: 'n1', specHash: 'a'.repeat(64), error: 'x' });
    expect((await n1.append(Subjects.instance('shop', 'n1'), [event], NO_STREAM)).revision).toBe(1);
    const forged = { ...event, subject: Subjects.instance('shop', 'n2') };
    await expect(n1.append(Subjects.instance('shop', 'n2'), [forged], NO_STREAM)).rejects.toThrow(/permission/i);
  });

  it('is refused without a client certificate, or without the CA', async () => {
    await expect(as('admin', { caFile: join(tls, 'ca.pem') })).rejects.toThrow();
    await expect(as('admin', { certFile: join(tls, 'client.pem'), keyFile: join(tls, 'client-key.pem') })).rejects.toThrow();
  });

  it('names a certificate without its key', () => {
    expect(() => busConnectOptions({ tls: { certFile: join(tls, 'client.pem') } })).toThrow(/NATS_TLS_CERT and NATS_TLS_KEY/);
  });
});
