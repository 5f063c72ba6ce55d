import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@fluxplane/testkit';
import { sendCommand } from '../src/adapters/unix-socket';

export interface TestHaproxy {
  dir: string;
  port: number;
  config: string;
  map: string;
  admin: string;
  master: string;
  /** stdout+stderr of the master, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real HAProxy 2.6 in master-worker mode in a temp dir, started like scripts/infra/haproxy.sh
 * starts the devnet's, with the same bootstrap config (a frontend on a free port, an empty map).
 */
export async function startHaproxy(bin = process.env.HAPROXY_BIN ?? 'haproxy'): Promise<TestHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'fp-haproxy-'));
  const port = await freePort();
  const paths = { config: join(dir, 'haproxy.cfg'), map: join(dir, 'hosts.map'), admin: join(dir, 'admin.sock'), master: join(dir, 'master.sock') };
  writeFileSync(paths.map, '');
  writeFileSync(join(dir, 'server-state'), '1\n');
  writeFileSync(paths.config, `global
    stats socket ${paths.admin} mode 600 level admin expose-fd listeners
    stats timeout 30s
    server-state-file ${join(dir, 'server-state')}

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    load-server-state-from-file global

frontend fe_http
    bind 127.0.0.1:${port}
    use_backend %[req.hdr(host),lower,field(1,:),map(${paths.map})]
    default_backend be_default

backend be_default
    http-request return status 404 content-type text/plain string "no route\\n"
`);
  let out = '';
  const proc: ChildProcess = spawn(bin, ['-W', '-S', `${paths.master},mode,600`, '-f', paths.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  await waitUntil(async () => /^Pid:/m.test(await sendCommand(paths.admin, 'show info')), { timeoutMs: 10_000, what: `haproxy admin socket (${out})` });
  return {
    dir, port, ...paths,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) await new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A tiny HTTP server on `address:port` that answers with its own address. */
export function startEcho(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((_req, res) => res.end(address));
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

/** An HTTP GET with an explicit Host header (fetch does not let a caller set Host), and any other headers. */
export function get(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.once('error', reject);
    req.end();
  });
}
