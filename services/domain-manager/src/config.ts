import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { checkDnsConfig, DnsConfigShape } from './dns-config';
import { BaseConfig, envBoolean, envNumber } from '@fluxplane/service-kit';
import { CertificateEnv } from './cert-config';

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
  /** ACME certificates and HTTPS (cert-config.ts). */
  ...CertificateEnv,
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
  /**
   * Health-check app servers (TCP connect every 500 ms, down after 2 failures, up after 1 success; a
   * new server gets traffic only once its first check passed); `false` routes blindly to every running instance.
   */
  HAPROXY_SERVER_CHECKS: envBoolean.default(true),
  /**
   * A server taken out of the routes is drained first (no new requests, those in flight finish) for at
   * most this long; then it is cut and InstanceDrained says the node agent may stop the instance.
   */
  ROUTE_DRAIN_GRACE_MS: envNumber(z.coerce.number().int().min(0).max(600_000).default(10_000)),
  /** Secret mixed into the sticky cookie of multi-instance apps (HAProxy `dynamic-cookie-key`). */
  HAPROXY_COOKIE_KEY: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -').default('fluxplane'),
  /**
   * Changes within this window are applied together (one reload or one runtime batch). Short: a
   * runtime change costs about a millisecond, and an instance's route waits for it (route_p99_ms).
   */
  APPLY_DEBOUNCE_MS: envNumber(z.coerce.number().int().min(0).max(60_000).default(25)),
  /**
   * Set when several domain-manager replicas drive ONE HAProxy (deploy/single-vm): that HAProxy's name.
   * Then only the holder of the lease `domain-manager.routes.<name>` applies routes and certificates to
   * it (the others stand by, and one takes over when it dies). Empty (the default): this replica drives
   * an HAProxy of its own (one per VM, deploy/control-plane), with no lease. Needs PROJECTION_LEASE_MS > 0.
   */
  HAPROXY_LEASE: z.string().regex(/^[A-Za-z0-9_-]{0,64}$/, 'must be up to 64 characters of A-Z a-z 0-9 _ -').default(''),
  /** Re-check that HAProxy still runs the applied routes this often (0 = never). */
  RESYNC_INTERVAL_MS: envNumber(z.coerce.number().int().min(0).default(30_000)),
  ...DnsConfigShape,
}).superRefine(checkDnsConfig).superRefine((c, ctx) => {
  if (c.HAPROXY_LEASE && c.PROJECTION_LEASE_MS === 0) {
    ctx.addIssue({ code: 'custom', path: ['HAPROXY_LEASE'], message: 'needs PROJECTION_LEASE_MS > 0 (replicas share this HAProxy through a lease)' });
  }
});
export type DomainManagerConfig = z.infer<typeof DomainManagerConfig>;

export function stateFileOf(config: Pick<DomainManagerConfig, 'HAPROXY_CONFIG' | 'HAPROXY_STATE_FILE'>): string {
  return config.HAPROXY_STATE_FILE ?? join(dirname(config.HAPROXY_CONFIG), 'server-state');
}
