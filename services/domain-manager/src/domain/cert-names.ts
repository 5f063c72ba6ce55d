import type { RouteTable } from './route-table';
import { compare } from './desired-routes';

/**
 * A name a public CA certifies: LDH labels (letters, digits, hyphens; no `_`), at least two labels,
 * at most 253 characters. `<app>_<port>.app.<domain>` is routed but cannot be certified (an
 * underscore is not allowed in a certificate's DNS name), so only `<app>.app.<domain>` gets one.
 */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isCertifiableName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/**
 * The one place that decides which names get a certificate: every certifiable host the routes
 * serve, plus `extra` names (custom domains, once they are routed or verified elsewhere). Lowercase,
 * unique, sorted, so equal inputs give equal lists.
 */
export function namesToCertify(table: Pick<RouteTable, 'hosts'>, extra: readonly string[] = []): string[] {
  const names = new Set<string>();
  for (const n of [...table.hosts.map((h) => h.host), ...extra]) {
    const name = n.trim().toLowerCase().replace(/\.$/, '');
    if (isCertifiableName(name)) names.add(name);
  }
  return [...names].sort(compare);
}

/** The file a certificate of a certifiable `name` is stored in (and known to HAProxy by). */
export function certFileName(name: string): string {
  return `${name}.pem`;
}
