import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '@fluxplane/service-kit';
import { freePort, waitUntil } from '@fluxplane/testkit';

/**
 * TLS to PostgreSQL: a private PostgreSQL that accepts only TLS connections (certificate from
 * scripts/infra/nats-tls.sh), reached with `DATABASE_TLS_CA`; without TLS it refuses.
 */
describe('PostgreSQL over TLS', () => {
  let dir: string;
  let port: number;
  let pg: ChildProcess | undefined;
  const bin = () => {
    const versions = readdirSync('/usr/lib/postgresql').sort();
    return join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
  };
  const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fp-pg-tls-'));
    execFileSync('bash', [resolve(__dirname, '../../../scripts/infra/nats-tls.sh'), '--out', join(dir, 'tls'), '--host', '127.0.0.1'], { stdio: 'ignore' });
    const pgUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const pgGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, pgUid, pgGid);
    const data = join(dir, 'data');
    asPostgres(join(bin(), 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres']);
    for (const f of ['server.pem', 'server-key.pem']) {
      copyFileSync(join(dir, 'tls', f), join(data, f));
      chownSync(join(data, f), pgUid, pgGid);
      chmodSync(join(data, f), 0o600);
    }
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n');
    port = await freePort();
    pg = spawn('runuser', ['-u', 'postgres', '--', join(bin(), 'postgres'), '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'ssl=on', '-c', 'ssl_cert_file=server.pem', '-c', 'ssl_key_file=server-key.pem'], { stdio: 'ignore' });
    // An open port is not a ready server: PostgreSQL listens while it is still "starting up" and
    // refuses connections then. pg_isready answers 0 only once it accepts them.
    await waitUntil(() => new Promise<boolean>((ok) => {
      execFile(join(bin(), 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2'], (err) => ok(!err));
    }), { timeoutMs: 60_000, what: `a TLS-only PostgreSQL accepting connections on ${port}` });
  });

  afterAll(async () => {
    if (pg && pg.exitCode === null) await new Promise<void>((r) => { pg!.once('exit', () => r()); pg!.kill('SIGTERM'); });
    if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the CA, encrypted, and is refused without TLS', async () => {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const ds = await openDatabase(url, 'tls_test', 'tls-test', { caFile: join(dir, 'tls', 'ca.pem') });
    try {
      expect(await ds.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toEqual([{ ssl: true }]);
    } finally {
      await ds.destroy();
    }
    await expect(openDatabase(url, 'tls_test', 'tls-test')).rejects.toThrow(/pg_hba|no encryption|reject/i);
  });
});
