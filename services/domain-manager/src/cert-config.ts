import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { envNumber } from '@fluxplane/service-kit';
import type { TlsRenderSettings } from './domain/render-config';

const DAY_S = 86_400;
const absolute = z.string().refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine((p) => !/[\s,()#"']/.test(p), 'must not contain whitespace, quotes, commas, parentheses or #');

/**
 * The certificate manager's environment (part of DomainManagerConfig). Certificates are on when
 * `ACME_DIRECTORY_URL` is set: HAProxy then gets an HTTPS frontend on `TLS_BIND`, answers HTTP-01
 * challenges, and redirects HTTP to HTTPS for every host with a certificate.
 */
export const CertificateEnv = {
  /** ACME directory, e.g. `https://127.0.0.1:14000/dir` (pebble); unset = no certificates, HTTP only. */
  ACME_DIRECTORY_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of an ACME directory' }).optional(),
  /** PEM file of a CA to trust for the ACME API's TLS (pebble's own certificate), besides Node's roots. */
  ACME_CA_FILE: absolute.optional(),
  ACME_EMAIL: z.email().optional(),
  /** `address:port` of the HTTPS frontend. */
  TLS_BIND: z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|\*)?:\d{1,5}$/, 'must be address:port, e.g. 127.0.0.1:18443').default('127.0.0.1:18443'),
  /** Certificates (`<name>.pem`), the ACME account key, HAProxy's crt-list and maps; default `certs/` beside the HAProxy config. */
  CERT_DIR: absolute.optional(),
  /** Renew this long before expiry (at most half a certificate's lifetime). */
  CERT_RENEW_BEFORE_S: envNumber(z.coerce.number().int().min(0).default(30 * DAY_S)),
  /** A full check of every certificate (expiry, what HAProxy serves) at least this often. */
  CERT_CHECK_INTERVAL_MS: envNumber(z.coerce.number().int().min(100).default(3_600_000)),
  /** After a failed issuance: wait min × 2^(failures − 1), at most max. */
  CERT_RETRY_MIN_MS: envNumber(z.coerce.number().int().min(0).default(10_000)),
  CERT_RETRY_MAX_MS: envNumber(z.coerce.number().int().min(0).default(3_600_000)),
};

export interface CertificateConfig {
  ACME_DIRECTORY_URL?: string;
  ACME_CA_FILE?: string;
  ACME_EMAIL?: string;
  TLS_BIND: string;
  CERT_DIR?: string;
  CERT_RENEW_BEFORE_S: number;
  CERT_CHECK_INTERVAL_MS: number;
  CERT_RETRY_MIN_MS: number;
  CERT_RETRY_MAX_MS: number;
  HAPROXY_CONFIG: string;
}

export function certificatesOn(c: Pick<CertificateConfig, 'ACME_DIRECTORY_URL'>): boolean {
  return c.ACME_DIRECTORY_URL !== undefined;
}

export function certDirOf(c: Pick<CertificateConfig, 'CERT_DIR' | 'HAPROXY_CONFIG'>): string {
  return c.CERT_DIR ?? join(dirname(c.HAPROXY_CONFIG), 'certs');
}

/** What the HAProxy config needs to know of the certificates, or undefined when they are off. */
export function tlsRenderSettings(c: CertificateConfig): TlsRenderSettings | undefined {
  if (!certificatesOn(c)) return undefined;
  const dir = certDirOf(c);
  return { bind: c.TLS_BIND, crtList: join(dir, 'crt-list'), challengeMap: join(dir, 'acme-challenges.map'), redirectMap: join(dir, 'https-hosts.map') };
}
