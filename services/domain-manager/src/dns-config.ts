import { isIP } from 'node:net';
import { z } from 'zod';
import { envNumber } from '@fluxplane/service-kit';

const ZONE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** A comma-separated list, trimmed, lowercased, without trailing dots; every item checked by `item`. */
const list = (item: z.ZodType<string, string>) => z.string().default('')
  .transform((s) => s.split(',').map((x) => x.trim().toLowerCase().replace(/\.$/, '')).filter((x) => x !== ''))
  .pipe(z.array(item));

/**
 * The DNS half of the domain manager's settings (merged into DomainManagerConfig). `DNS_PROVIDER=none`
 * (the default) writes no records; `powerdns` and `cloudflare` need their credentials.
 */
export const DnsConfigShape = {
  DNS_PROVIDER: z.enum(['none', 'powerdns', 'cloudflare']).default('none'),
  /** Load balancer addresses every app name points at; default: HAPROXY_BIND's address (127.0.0.1 for `*`). */
  DNS_TARGETS: list(z.string().refine((s) => isIP(s) !== 0, 'each target must be an IPv4 or IPv6 address')),
  DNS_TTL: envNumber(z.coerce.number().int().min(1).max(86_400).default(60)),
  /** Zones custom domains are written into (a custom domain outside them is routed but gets no record). */
  DNS_CUSTOM_ZONES: list(z.string().regex(ZONE, 'each zone must be a DNS name like custom.test')),
  /** Re-read the provider's records and repair drift this often (0 = only on changes). */
  DNS_RESYNC_INTERVAL_MS: envNumber(z.coerce.number().int().min(0).default(60_000)),
  PDNS_API_URL: z.url().default('http://127.0.0.1:18082'),
  PDNS_API_KEY: z.string().optional(),
  PDNS_SERVER_ID: z.string().min(1).default('localhost'),
  CLOUDFLARE_API_URL: z.url().default('https://api.cloudflare.com/client/v4'),
  CLOUDFLARE_API_TOKEN: z.string().optional(),
};

/** Credentials the chosen provider needs, named when missing. */
export function checkDnsConfig(c: { DNS_PROVIDER: string; PDNS_API_KEY?: string; CLOUDFLARE_API_TOKEN?: string }, ctx: z.RefinementCtx): void {
  if (c.DNS_PROVIDER === 'powerdns' && !c.PDNS_API_KEY) ctx.addIssue({ code: 'custom', path: ['PDNS_API_KEY'], message: 'required with DNS_PROVIDER=powerdns' });
  if (c.DNS_PROVIDER === 'cloudflare' && !c.CLOUDFLARE_API_TOKEN) ctx.addIssue({ code: 'custom', path: ['CLOUDFLARE_API_TOKEN'], message: 'required with DNS_PROVIDER=cloudflare' });
}

/** The addresses DNS records point at: DNS_TARGETS, else HAProxy's bind address (127.0.0.1 when it binds all). */
export function dnsTargets(c: { DNS_TARGETS: string[]; HAPROXY_BIND: string }): string[] {
  if (c.DNS_TARGETS.length) return c.DNS_TARGETS;
  const host = c.HAPROXY_BIND.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return [isIP(host) ? host : '127.0.0.1'];
}
