import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { BaseConfig, envBoolean, envNumber } from '@fluxplane/service-kit';

const DOMAIN = /^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Paths end up inside the HAProxy config (and `map(<path>)`), where whitespace, `,` and `)` would
 * break the line: refuse them here with a clear message rather than get a rejected config later.
 */
const haproxyPath = z.string()
  .refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine((p) => !/[\s,()#"']/.test(p), 'must not contain whitespace, quotes, commas, parentheses or #');

export const DomainManagerConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16130),
  /** Apps are served as `<app>.app.<APP_DOMAIN>` and `<app>_<port>.app.<APP_DOMAIN>`. */
  APP_DOMAIN: z.string().transform((s) => s.trim().toLowerCase()).pipe(z.string().regex(DOMAIN, 'must be a DNS name like fluxplane.test')),
  HAPROXY_CONFIG: haproxyPath,
  HAPROXY_MAP: haproxyPath,
  HAPROXY_MASTER_SOCKET: haproxyPath,
  HAPROXY_ADMIN_SOCKET: haproxyPath,
  /** Server state file HAProxy loads at (re)start; defaults to `server-state` beside the config. */
  HAPROXY_STATE_FILE: haproxyPath.optional(),
  HAPROXY_BIND: z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|\*)?:\d{1,5}$/, 'must be address:port, e.g. 127.0.0.1:18080').default('127.0.0.1:18080'),
  HAPROXY_BIN: z.string().min(1).default('haproxy'),
  /** Health-check app servers (TCP connect every 2 s); `false` routes blindly to every running instance. */
  HAPROXY_SERVER_CHECKS: envBoolean.default(true),
  /** Changes within this window are applied together (one reload or one runtime batch). */
  APPLY_DEBOUNCE_MS: envNumber(z.coerce.number().int().min(0).max(60_000).default(200)),
  /** Re-check that HAProxy still runs the applied routes this often (0 = never). */
  RESYNC_INTERVAL_MS: envNumber(z.coerce.number().int().min(0).default(30_000)),
});
export type DomainManagerConfig = z.infer<typeof DomainManagerConfig>;

export function stateFileOf(config: Pick<DomainManagerConfig, 'HAPROXY_CONFIG' | 'HAPROXY_STATE_FILE'>): string {
  return config.HAPROXY_STATE_FILE ?? join(dirname(config.HAPROXY_CONFIG), 'server-state');
}
