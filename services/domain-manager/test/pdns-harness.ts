import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@fluxplane/testkit';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

export interface TestPowerDns {
  dir: string;
  dnsPort: number;
  apiUrl: string;
  apiKey: string;
  stop(): void;
}

/**
 * A real PowerDNS (gsqlite3) in a temp run dir, started by scripts/infra/pdns.sh as the devnet's is,
 * on free ports (DNS on 127.0.0.1, UDP and TCP; the HTTP API with a key); stopped by down.sh.
 */
export async function startPowerDns(): Promise<TestPowerDns> {
  const dir = mkdtempSync(join(tmpdir(), 'fp-pdns-'));
  const env = { ...process.env, FLUXPLANE_RUN: dir, PDNS_DNS_PORT: String(await freePort()), PDNS_API_PORT: String(await freePort()), PDNS_API_KEY: 'test-key' };
  execFileSync('bash', [join(ROOT, 'scripts/infra/pdns.sh')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    dir, dnsPort: Number(env.PDNS_DNS_PORT), apiUrl: `http://127.0.0.1:${env.PDNS_API_PORT}`, apiKey: env.PDNS_API_KEY,
    stop() {
      try { execFileSync('bash', [join(ROOT, 'scripts/infra/down.sh'), 'pdns'], { env, stdio: 'ignore' }); } finally { rmSync(dir, { recursive: true, force: true }); }
    },
  };
}

/** `dig @127.0.0.1 -p <port> <name> <type> +short`: the answer's values, sorted (empty for NXDOMAIN). */
export async function dig(port: number, name: string, type = 'A'): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), name, type, '+short', '+time=2', '+tries=1']);
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}
