import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { freePort } from './ports';
import { waitUntil } from './wait';

export interface TestNats {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Kills the server hard (SIGKILL), keeping its store, to test outages. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
}

const NATS_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, host);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * A private nats-server with JetStream for one test file: the real server, isolated from the
 * devnet's and from other tests' streams. Needs `nats-server` on PATH (scripts/infra installs it).
 * It listens on 127.0.0.1, or on `host` (e.g. the host side of a veth pair, so that a process in a
 * network namespace reaches it too).
 */
export async function startNats(o: { host?: string } = {}): Promise<TestNats> {
  const host = o.host ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'fp-nats-'));
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(NATS_BIN, ['-a', host, '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    proc.once('error', (err) => { throw new Error(`cannot start ${NATS_BIN}: ${err.message}`); });
    await waitUntil(() => canConnect(port, host), { timeoutMs: 10_000, what: `nats-server on ${host}:${port}` });
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill(signal); });
  };
  await launch();
  return {
    url: `nats://${host}:${port}`,
    port,
    async stop() { await halt('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
    async kill() { await halt('SIGKILL'); },
    async restart() { await launch(); },
  };
}

export interface ConfiguredNats extends TestNats {
  /** The server's folder: its config (`server.conf`), JetStream store (`js/`) and log (`server.log`). */
  dir: string;
  /** Makes the server read its config again (SIGHUP), as `nats-server --signal reload` does. */
  reload(): Promise<void>;
}

/**
 * A nats-server started from a config file the test writes (`config(port, dir)`): auth blocks,
 * clusters. `bin` picks another server binary (a cluster test wants NATS 2.10: `natsServer210()`).
 * `kill`/`restart` keep the folder, so a restarted server comes back with its store.
 */
export async function startConfiguredNats(opts: { config: (port: number, dir: string) => string; bin?: string; port?: number; dir?: string; readyTimeoutMs?: number }): Promise<ConfiguredNats> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'fp-nats-'));
  const bin = opts.bin ?? NATS_BIN;
  writeFileSync(join(dir, 'server.conf'), opts.config(port, dir));
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const log = openSync(join(dir, 'server.log'), 'a');
    proc = spawn(bin, ['-c', join(dir, 'server.conf')], { stdio: ['ignore', log, log] });
    closeSync(log);
    proc.once('error', (err) => { throw new Error(`cannot start ${bin}: ${err.message}`); });
    await waitUntil(() => canConnect(port, '127.0.0.1'), { timeoutMs: opts.readyTimeoutMs ?? 15_000, what: `nats-server on ${port} (log: ${join(dir, 'server.log')})` });
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill(signal); });
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    async stop() { await halt('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
    async kill() { await halt('SIGKILL'); },
    async restart() { await launch(); },
    async reload() {
      const before = readFileSync(join(dir, 'server.log'), 'utf8').split(/reloaded/i).length;
      proc?.kill('SIGHUP');
      await waitUntil(() => readFileSync(join(dir, 'server.log'), 'utf8').split(/reloaded/i).length > before, { timeoutMs: 10_000, what: 'nats-server reloaded its config' });
    },
  };
}

/**
 * A NATS 2.10 server binary (Debian 13's package, fetched and unpacked by
 * `scripts/infra/nats-server-2.10.sh`): what the VM deployments run, and the first with
 * `sync_interval`. `NATS_SERVER_210_BIN` overrides it.
 */
export function natsServer210(): string {
  if (process.env.NATS_SERVER_210_BIN) return process.env.NATS_SERVER_210_BIN;
  const script = resolvePath(__dirname, '../../../scripts/infra/nats-server-2.10.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 }).trim();
}
