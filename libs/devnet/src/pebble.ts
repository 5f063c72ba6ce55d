import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText } from '@fluxplane/observability';
import { freePort } from '@fluxplane/testkit';

/** A running pebble (ACME test CA) started by scripts/infra/pebble.sh under a run dir. */
export interface Pebble {
  /** ACME directory, e.g. `https://127.0.0.1:14000/dir`. */
  directoryUrl: string;
  /** PEM file of pebble's own TLS certificate: trust it for the ACME API (ACME_CA_FILE). */
  tlsCaFile: string;
  /** PEM of the root that issued certificates chain to (new on every pebble start). */
  issuingRoot(): string;
  stop(): void;
}

/**
 * Starts a pebble on free loopback ports with scripts/infra/pebble.sh (FLUXPLANE_RUN = `run`), so a
 * test or a devnet has its own. Its HTTP-01 validation connects to `httpPort` (HAProxy's HTTP
 * frontend). Names resolve through `dns` (e.g. PowerDNS), or else through a fake DNS
 * (pebble-challtestsrv) that answers every name with 127.0.0.1. `validityS` shortens the
 * certificates' lifetime (renewal tests).
 */
export async function startPebble(o: { root: string; run: string; httpPort: number; dns?: string; validityS?: number }): Promise<Pebble> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    FLUXPLANE_RUN: o.run,
    PEBBLE_PORT: String(port),
    PEBBLE_MGMT_PORT: String(await freePort()),
    PEBBLE_HTTP_PORT: String(o.httpPort),
    PEBBLE_TLS_PORT: String(await freePort()),
    ...(o.dns ? { PEBBLE_DNS: o.dns } : { PEBBLE_FAKE_DNS_PORT: String(await freePort()), PEBBLE_FAKE_DNS_MGMT_PORT: String(await freePort()) }),
    ...(o.validityS ? { PEBBLE_CERT_VALIDITY_S: String(o.validityS) } : {}),
  };
  const script = (name: string, args: string[] = []) => execFileSync('bash', [join(o.root, 'scripts/infra', name), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    script('pebble.sh');
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-8).join('\n');
    throw new Error(`pebble did not start: ${stderr || errorText(err)}`, { cause: err });
  }
  const dir = join(o.run, 'pebble');
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    tlsCaFile: join(dir, 'cert.pem'),
    issuingRoot: () => readFileSync(join(dir, 'root.pem'), 'utf8'),
    stop: () => { try { script('down.sh', ['pebble']); } catch { /* already gone */ } },
  };
}
