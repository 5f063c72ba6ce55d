import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on the given address. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port free on every one of `hosts` a moment ago: an app publishes the same port on each node's
 * address, and a container left over from an earlier run may hold it on one of them.
 */
export async function freePortOn(hosts: readonly string[], attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await freePort(hosts[0]);
    const free = await Promise.all(hosts.slice(1).map((h) => canListen(h, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')} after ${attempts} tries`);
}
