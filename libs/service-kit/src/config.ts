import { z } from 'zod';
import { readable, readCreds, readNkeySeed } from '@fluxplane/bus-auth';

/**
 * A number from the environment: `envNumber(z.coerce.number().int()...)`. `z.coerce.number()` alone
 * reads an empty or blank variable (`X=` in a unit or compose file) as 0, silently: a random HTTP
 * port, a disabled check. Here an empty value is an error that names the variable.
 */
export function envNumber<S extends z.ZodType>(schema: S) {
  return z.preprocess((v, ctx) => {
    if (typeof v === 'string' && v.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'must not be empty' });
      return z.NEVER;
    }
    return v;
  }, schema);
}

/** Settings every service has. Services extend this with their own variables. */
export const BaseConfig = z.object({
  /** One server, or every server of a cluster comma-separated (`nats://a:4222,nats://b:4222,nats://c:4222`). */
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/, 'must be a nats:// URL (or several, comma-separated)').default('nats://127.0.0.1:4222'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/fluxplane'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: envNumber(z.coerce.number().int().min(0).max(65535)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENT_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('FLUXPLANE_EVENTS'),
  SHUTDOWN_TIMEOUT_MS: envNumber(z.coerce.number().int().positive()).default(10_000),
  /**
   * How long a starting service waits for NATS (and its event stream) and PostgreSQL to answer before
   * it exits with the last error (0: not at all). Refused credentials end the wait at once.
   */
  DEPENDENCY_WAIT_MS: envNumber(z.coerce.number().int().min(0).max(3_600_000)).default(120_000),
  /**
   * Rebuild every projection of the service from sequence 1 at start, before it acts on them (the
   * services wait for their read models to catch up before deciding anything).
   */
  /**
   * The bus identity's secret, as a file (docs/operations.md, "Least privilege on the bus"): an nkey
   * seed file written by `scripts/infra/nats-auth.sh`, or a credentials file from `nsc`. Unset: an open
   * server (the devnet on loopback). Checked at start: a missing or malformed file names itself.
   */
  NATS_NKEY_SEED: secretFile(readNkeySeed).optional(),
  NATS_CREDS: secretFile(readCreds).optional(),
  /** Where this identity receives replies (`_INBOX.<identity>`, in its generated env file). */
  // Any subject token (subjectToken): a node's identity holds its collateral outpoint, `node-<txid>:<n>`.
  NATS_INBOX_PREFIX: z.string().regex(/^_INBOX(\.[^.\s*>]+)*$/, 'must be _INBOX or _INBOX.<identity>').optional(),
  /**
   * TLS to NATS (`NATS_URL=tls://…`): the servers' CA, and this process's client certificate and key
   * when the servers verify clients. Files; `scripts/infra/nats-tls.sh` makes them.
   */
  NATS_TLS_CA: secretFile(readable).optional(),
  NATS_TLS_CERT: secretFile(readable).optional(),
  NATS_TLS_KEY: secretFile(readable).optional(),
  /** TLS to PostgreSQL: the CA that signed the server's certificate (a file). Unset: no TLS. */
  DATABASE_TLS_CA: secretFile(readable).optional(),
  /** Replicas of the event stream when this service creates it (3 on a NATS cluster of three). */
  EVENT_STREAM_REPLICAS: envNumber(z.coerce.number().int().min(1).max(5)).default(1),
  /**
   * Replicas of the KV buckets this service creates (leases, master leases, sessions, sync devices);
   * default EVENT_STREAM_REPLICAS. On a cluster of three: 3, or a lost server stops every lease holder.
   */
  KV_REPLICAS: envNumber(z.coerce.number().int().min(1).max(5).optional()),
  /**
   * Replicas of a service run side by side: each projection is applied by the one replica holding
   * its lease in the KV bucket `fluxplane_projection_leases`; another takes over this long after the
   * holder stopped renewing. 0: no lease (one process per service).
   */
  PROJECTION_LEASE_MS: envNumber(z.coerce.number().int().min(0).max(600_000)).default(3_000),
  /** This replica's name in the leases: stable across its restarts, distinct between replicas (default host:port). */
  PROJECTION_LEASE_HOLDER: z.string().regex(/^[^\s]{1,200}$/, 'must be 1-200 characters without spaces').optional(),
  /**
   * Publish `ntf.projection.<schema>.<projection>` after commits, so readers (the gateway's snapshots)
   * follow a read model without polling. Off for node agents: nobody reads theirs, and their bus
   * identity may not publish it.
   */
  PROJECTION_NOTIFY: z.enum(['true', 'false', '1', '0']).default('true').transform((v) => v === 'true' || v === '1'),
  REBUILD_PROJECTIONS: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

/** Replicas of the KV buckets a service creates: KV_REPLICAS, else those of the event stream. */
export function kvReplicas(config: Pick<BaseConfig, 'KV_REPLICAS' | 'EVENT_STREAM_REPLICAS'>): number {
  return config.KV_REPLICAS ?? config.EVENT_STREAM_REPLICAS;
}

/** A path to a secret file, read and checked by `check` (which throws a message naming what is wrong). */
function secretFile(check: (file: string) => unknown) {
  return z.string().min(1).superRefine((file, ctx) => {
    try {
      check(file);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
}

/** The bus credentials of a service's config, for `busConnectOptions`. */
export function busCredentials(config: BaseConfig) {
  return {
    nkeySeedFile: config.NATS_NKEY_SEED,
    credsFile: config.NATS_CREDS,
    inboxPrefix: config.NATS_INBOX_PREFIX,
    tls: { caFile: config.NATS_TLS_CA, certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY },
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and validates configuration from the environment at start. The error lists every bad
 * variable by name with what was wrong, so an operator can fix them all in one go.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = i.path.map(String).join('.') || '(root)';
    const value = typeof i.path[0] === 'string' ? env[i.path[0]] : undefined;
    return `  ${name}: ${i.message}${value === undefined ? ' (not set)' : ` (got ${JSON.stringify(value)})`}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/**
 * `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` from the environment. Anything else is an error: it
 * used to read as false, so a typo (`ture`) silently turned a setting off.
 */
export const envBoolean = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  return v; // left a string: z.boolean() refuses it, naming the variable
}, z.boolean());
