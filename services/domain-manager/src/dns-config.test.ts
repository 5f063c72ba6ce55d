import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { DomainManagerConfig } from './config';
import { dnsTargets } from './dns-config';

const env = {
  APP_DOMAIN: 'fluxplane.test',
  HAPROXY_CONFIG: '/run/ha/haproxy.cfg',
  HAPROXY_MAP: '/run/ha/hosts.map',
  HAPROXY_MASTER_SOCKET: '/run/ha/master.sock',
  HAPROXY_ADMIN_SOCKET: '/run/ha/admin.sock',
};

const problems = (over: Record<string, string>): string => {
  try {
    loadConfig(DomainManagerConfig, { ...env, ...over });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  return '';
};

describe('DNS settings', () => {
  it('write no records by default, and point at HAProxy\'s address', () => {
    const c = loadConfig(DomainManagerConfig, env);
    expect(c).toMatchObject({ DNS_PROVIDER: 'none', DNS_TTL: 60, DNS_TARGETS: [], DNS_CUSTOM_ZONES: [], PDNS_API_URL: 'http://127.0.0.1:18082' });
    expect(dnsTargets(c)).toEqual(['127.0.0.1']);
    expect(dnsTargets({ ...c, HAPROXY_BIND: '127.0.0.5:80' })).toEqual(['127.0.0.5']);
    expect(dnsTargets({ ...c, HAPROXY_BIND: '*:80' })).toEqual(['127.0.0.1']);
  });

  it('read lists and the provider\'s credentials', () => {
    const c = loadConfig(DomainManagerConfig, { ...env, DNS_PROVIDER: 'powerdns', PDNS_API_KEY: 'k', DNS_TARGETS: ' 10.0.0.1, ::1 ', DNS_CUSTOM_ZONES: 'Custom.Test., other.test' });
    expect(c).toMatchObject({ DNS_TARGETS: ['10.0.0.1', '::1'], DNS_CUSTOM_ZONES: ['custom.test', 'other.test'] });
    expect(dnsTargets(c)).toEqual(['10.0.0.1', '::1']);
  });

  it('name what is missing or wrong', () => {
    expect(problems({ DNS_PROVIDER: 'powerdns' })).toMatch(/PDNS_API_KEY: required with DNS_PROVIDER=powerdns/);
    expect(problems({ DNS_PROVIDER: 'cloudflare' })).toMatch(/CLOUDFLARE_API_TOKEN: required with DNS_PROVIDER=cloudflare/);
    expect(problems({ DNS_PROVIDER: 'route53' })).toMatch(/DNS_PROVIDER/);
    expect(problems({ DNS_TARGETS: '10.0.0.1,lb.example' })).toMatch(/DNS_TARGETS.*each target must be an IPv4 or IPv6 address/);
    expect(problems({ DNS_CUSTOM_ZONES: 'not a zone' })).toMatch(/DNS_CUSTOM_ZONES.*each zone must be a DNS name/);
    expect(problems({ DNS_TTL: '' })).toMatch(/DNS_TTL: must not be empty/);
  });
});
