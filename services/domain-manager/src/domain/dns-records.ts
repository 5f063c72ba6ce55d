import { isIP } from 'node:net';
import type { DnsRecordSet } from '@fluxplane/contracts';
import type { RouteTable } from './route-table';

export type { DnsRecordSet };
export type DnsType = DnsRecordSet['type'];

export interface DnsSettings {
  /** `APP_DOMAIN`: apps live in the zone `app.<domain>`. */
  domain: string;
  /** The load balancers every name points at (IPv4 → A, IPv6 → AAAA). */
  targets: readonly string[];
  ttl: number;
  /** Zones that custom domains may be written into (a custom domain outside them gets a route, no record). */
  customZones: readonly string[];
}

/** What one zone should hold: every rrset fluxplane owns there, sorted. */
export interface DesiredZone {
  zone: string;
  records: DnsRecordSet[];
}

export const appZoneOf = (domain: string): string => `app.${domain.toLowerCase()}`;

/** The zones fluxplane writes: the app zone and the custom-domain zones, each once, sorted. */
export function managedZones(s: Pick<DnsSettings, 'domain' | 'customZones'>): string[] {
  return [...new Set([appZoneOf(s.domain), ...s.customZones.map(normalizeZone)])].sort(compare);
}

/**
 * The DNS decision, pure: every host HAProxy routes (`<app>.app.<domain>`, `<app>_<port>.app.<domain>`
 * and the owned custom domains with their `www.`) becomes an A/AAAA rrset pointing at the load
 * balancers, in the most specific managed zone that contains it. So DNS names and routes never
 * disagree: a name resolves exactly when HAProxy has a route for it, and an app that expires or drops
 * a domain loses its record on the same pass. Every managed zone is listed, even empty, so its stale
 * records are found and removed.
 */
export function desiredDnsRecords(routes: Pick<RouteTable, 'hosts'>, s: DnsSettings): DesiredZone[] {
  const zones = managedZones(s);
  const v4 = [...new Set(s.targets.filter((t) => isIP(t) === 4))].sort(compare);
  const v6 = [...new Set(s.targets.filter((t) => isIP(t) === 6).map((t) => t.toLowerCase()))].sort(compare);
  const byZone = new Map<string, DnsRecordSet[]>(zones.map((z) => [z, []]));
  for (const host of new Set(routes.hosts.map((h) => h.host.toLowerCase()))) {
    const zone = zoneFor(host, zones);
    if (!zone) continue;
    if (v4.length) byZone.get(zone)!.push({ name: host, type: 'A', ttl: s.ttl, contents: v4 });
    if (v6.length) byZone.get(zone)!.push({ name: host, type: 'AAAA', ttl: s.ttl, contents: v6 });
  }
  return zones.map((zone) => ({ zone, records: byZone.get(zone)!.sort(compareRecords) }));
}

/** The most specific zone that holds `name` (the name itself, or a suffix after a dot). */
export function zoneFor(name: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if ((name === z || name.endsWith(`.${z}`)) && (!best || z.length > best.length)) best = z;
  }
  return best;
}

export function normalizeZone(zone: string): string {
  return zone.trim().toLowerCase().replace(/\.$/, '');
}

export function recordKey(r: { name: string; type: string }): string {
  return `${r.name} ${r.type}`;
}

export function compareRecords(a: { name: string; type: string }, b: { name: string; type: string }): number {
  return compare(recordKey(a), recordKey(b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
