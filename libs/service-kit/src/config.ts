import { z } from 'zod';

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
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^\s]+$/, 'must be a nats:// URL').default('nats://127.0.0.1:4222'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/fluxplane'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: envNumber(z.coerce.number().int().min(0).max(65535)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENT_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('FLUXPLANE_EVENTS'),
  SHUTDOWN_TIMEOUT_MS: envNumber(z.coerce.number().int().positive()).default(10_000),
  /**
   * Rebuild every projection of the service from sequence 1 at start, before it acts on them (the
   * services wait for their read models to catch up before deciding anything).
   */
  REBUILD_PROJECTIONS: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

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
