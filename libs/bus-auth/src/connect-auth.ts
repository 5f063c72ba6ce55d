import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';

/** How a process proves who it is on the bus: secrets are files, never values in the environment. */
export interface BusCredentials {
  /** A NATS credentials file (user JWT + nkey seed, from `nsc`): for operator-mode servers. */
  credsFile?: string;
  /** A file holding one user nkey seed (`SU…`), as `fluxplane-nats-auth` writes them. */
  nkeySeedFile?: string;
  /** Where replies to this identity go (`_INBOX.<identity>`); the server lets it subscribe only there. */
  inboxPrefix?: string;
  /**
   * TLS to the servers: the CA that signed their certificate, and this client's certificate and key
   * when the servers verify clients (`scripts/infra/nats-tls.sh` makes all three).
   */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export class BusCredentialsError extends Error {
  override readonly name = 'BusCredentialsError';
}

/** Reads and checks a user nkey seed file; the error names the file and what is wrong with it. */
export function readNkeySeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new BusCredentialsError(`cannot read the nkey seed file ${file}: ${(err as Error).message}`);
  }
  if (!/^SU[A-Z2-7]{56}$/.test(text)) throw new BusCredentialsError(`${file} does not hold a NATS user nkey seed (one line, 58 characters starting with SU)`);
  return new TextEncoder().encode(text);
}

/** Reads and checks a credentials file (`-----BEGIN NATS USER JWT-----` … seed). */
export function readCreds(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BusCredentialsError(`cannot read the NATS credentials file ${file}: ${(err as Error).message}`);
  }
  if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED')) {
    throw new BusCredentialsError(`${file} is not a NATS credentials file (a user JWT and an nkey seed)`);
  }
  return new TextEncoder().encode(text);
}

/**
 * The connection options for these credentials (none: an open server, as on the devnet). Files are
 * read now, so a missing or malformed one stops the process at start, naming it.
 */
export function busConnectOptions(c: BusCredentials): Partial<NodeConnectionOptions> {
  if (c.credsFile && c.nkeySeedFile) throw new BusCredentialsError('give either a credentials file or an nkey seed file, not both');
  const opts: Partial<NodeConnectionOptions> = {};
  if (c.credsFile) opts.authenticator = credsAuthenticator(readCreds(c.credsFile));
  if (c.nkeySeedFile) opts.authenticator = nkeyAuthenticator(readNkeySeed(c.nkeySeedFile));
  if (c.inboxPrefix) opts.inboxPrefix = c.inboxPrefix;
  const tls = c.tls ?? {};
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new BusCredentialsError('a TLS client certificate needs its key, and a key its certificate (NATS_TLS_CERT and NATS_TLS_KEY)');
  if (tls.caFile || tls.certFile) {
    for (const f of [tls.caFile, tls.certFile, tls.keyFile]) if (f) readable(f);
    opts.tls = { ...(tls.caFile ? { caFile: tls.caFile } : {}), ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}) };
  }
  return opts;
}

/** Throws, naming the file, when it cannot be read. */
export function readable(file: string): void {
  try {
    readFileSync(file);
  } catch (err) {
    throw new BusCredentialsError(`cannot read ${file}: ${(err as Error).message}`);
  }
}
