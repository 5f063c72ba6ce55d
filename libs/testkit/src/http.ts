import { request } from 'node:http';

/**
 * A GET with an explicit Host header. `fetch` cannot do this (the Fetch standard forbids setting
 * `Host`), and HAProxy routes on it.
 */
export function httpGet(url: string, opts: { host?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return httpRequest(url, { ...opts, method: 'GET' });
}

/** Any method (no body) with an explicit Host header, like `httpGet`. */
export function httpRequest(url: string, opts: { method: string; host?: string; timeoutMs?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method, headers: opts.host ? { host: opts.host } : {}, timeout: opts.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
