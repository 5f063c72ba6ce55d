import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/**
 * A private nats-server with JetStream for one test file: the real server, isolated from the
 * devnet's and from other tests' streams. Needs `nats-server` on PATH (scripts/infra installs it).
 */
export async function startNats(): Promise<TestNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fp-nats-'));
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(NATS_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    proc.once('error', (err) => { throw new Error(`cannot start ${NATS_BIN}: ${err.message}`); });
    await waitUntil(() => canConnect(port), { timeoutMs: 10_000, what: `nats-server on ${port}` });
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill(signal); });
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() { await halt('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
    async kill() { await halt('SIGKILL'); },
    async restart() { await launch(); },
  };
}
