import type { DomainManagerConfig } from '../config';
import { CloudflareProvider } from './dns-cloudflare';
import { PowerDnsProvider } from './dns-powerdns';
import type { DnsProvider } from './dns-provider';

/** The provider DNS_PROVIDER names, or undefined for `none` (no DNS records are written). */
export function dnsProviderFrom(config: DomainManagerConfig): DnsProvider | undefined {
  switch (config.DNS_PROVIDER) {
    case 'powerdns':
      return new PowerDnsProvider({ url: config.PDNS_API_URL, apiKey: config.PDNS_API_KEY!, serverId: config.PDNS_SERVER_ID });
    case 'cloudflare':
      return new CloudflareProvider({ url: config.CLOUDFLARE_API_URL, token: config.CLOUDFLARE_API_TOKEN! });
    default:
      return undefined;
  }
}
