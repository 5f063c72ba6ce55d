import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

/**
 * An HTTPS GET to 127.0.0.1:`port` for `name` (SNI and Host), trusting only `ca` — what
 * `curl --cacert ca --resolve name:port:127.0.0.1 https://name:port/` does. Resolves with the status,
 * the body and the serial of the certificate the server presented.
 */
export function httpsGet(port: number, name: string, ca: string, path = '/'): Promise<{ status: number; body: string; serial: string; notAfter: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: name, ca, headers: { host: name }, agent: false, timeout: 5000 }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial: cert.serialNumber.toUpperCase().replace(/^0+/, ''), notAfter: cert.valid_to }));
    });
    req.once('timeout', () => req.destroy(new Error(`https://${name}:${port}${path}: no answer within 5 s`)));
    req.once('error', reject);
    req.end();
  });
}
