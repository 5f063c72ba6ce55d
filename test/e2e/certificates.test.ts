import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { randomPrivateKey } from '@fluxplane/flux-spec';
import { freePortOn, waitUntil } from '@fluxplane/testkit';
import { networkForFile } from './harness';

const DOMAIN = 'certs.fluxplane.test';
/** pebble issues certificates valid 30 s; the margin (1 h) is capped at half of that, so one is renewed 15 s after issue. */
const VALIDITY_S = 30;

/** One command on an HAProxy CLI socket (the master's `show proc` counts reloads). */
function haproxyCli(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = createConnection(socket, () => s.end(`${command}\n`));
    s.on('data', (d) => { out += d; });
    s.once('error', reject);
    s.once('close', () => resolve(out));
  });
}

async function reloads(masterSocket: string): Promise<number> {
  const master = (await haproxyCli(masterSocket, 'show proc')).split('\n').find((l) => /\bmaster\b/.test(l));
  const n = master && /\bmaster\s+(\d+)/.exec(master);
  if (!n) throw new Error(`no master line in show proc: ${master}`);
  return Number(n[1]);
}

/** The serial of the certificate HAProxy presents for `name` (SNI), verified against `ca`. */
function servedSerial(port: number, name: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: name, ca }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.end();
      resolve(serial.toUpperCase().replace(/^0+/, ''));
    });
    s.once('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('TLS handshake timed out')));
  });
}

/**
 * Certificates end to end: an app deployed through the gateway onto three node agents gets a
 * certificate from pebble over HTTP-01 answered by HAProxy; curl over HTTPS (pebble's root only,
 * `--resolve` to 127.0.0.1, SNI) answers from an instance; plain HTTP is redirected to HTTPS; the
 * renewed certificate is served with no HAProxy reload.
 */
describe('certificates: ACME (pebble) → HAProxy HTTPS for a deployed app', () => {
  const app = `tls${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const name = `${app}.app.${DOMAIN}`;
  const net = networkForFile({ nodeIps: ['127.71.0.1', '127.72.0.1', '127.73.0.1'], domain: DOMAIN, app, certificates: { validityS: VALIDITY_S, renewBeforeS: 3600 } });

  const rootFile = () => {
    const f = join(net.run, 'pebble-root.pem');
    writeFileSync(f, net.https!.pebble.issuingRoot());
    return f;
  };
  const curl = (args: string[]) => execFileSync('curl', ['-sS', '--max-time', '5', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('serves the app over HTTPS with a pebble certificate, redirects HTTP, and renews without a reload', async () => {
    const tlsPort = net.https!.port;
    const port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port), key });

    // curl --cacert <pebble root> --resolve <name>:<port>:127.0.0.1 https://<name>:<port>/cgi-bin/whoami
    const https = ['--cacert', rootFile(), '--resolve', `${name}:${tlsPort}:127.0.0.1`, `https://${name}:${tlsPort}/cgi-bin/whoami`];
    const body = await waitUntil(() => {
      try {
        const out = curl(['--fail', ...https]);
        return /node=\S+/.test(out) ? out : undefined;
      } catch { return undefined; }
    }, { timeoutMs: 150_000, intervalMs: 500, what: `curl https://${name} answering from an instance` });
    expect(net.nodes.map((n) => n.nodeId)).toContain(/node=(\S+)/.exec(body)![1]);

    // Plain HTTP to the same name: 301 to the HTTPS port, path and query kept.
    const redirect = curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', `Host: ${name}`, `${net.haproxyUrl}/cgi-bin/whoami?x=1`]);
    expect(redirect).toBe(`301 https://${name}:${tlsPort}/cgi-bin/whoami?x=1`);

    // Renewal: a new serial is presented, the app still answers over HTTPS, and HAProxy never reloaded.
    const root = net.https!.pebble.issuingRoot();
    const first = await servedSerial(tlsPort, name, root);
    const reloadsBefore = await reloads(net.settings.haproxy.masterSocket);
    const second = await waitUntil(async () => {
      const s = await servedSerial(tlsPort, name, root).catch(() => undefined);
      return s && s !== first ? s : undefined;
    }, { timeoutMs: VALIDITY_S * 1000 + 10_000, intervalMs: 250, what: 'the renewed certificate served' });
    expect(second).not.toBe(first);
    expect(curl(['--fail', ...https])).toMatch(/node=\S+/);
    expect(await reloads(net.settings.haproxy.masterSocket)).toBe(reloadsBefore);
  }, 240_000);
});
