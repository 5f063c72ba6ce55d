import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { DomainManagerConfig, stateFileOf } from './config';
import { certificatesOn, tlsRenderSettings } from './cert-config';

const env = {
  APP_DOMAIN: 'FluxPlane.test',
  HAPROXY_CONFIG: '/run/ha/haproxy.cfg',
  HAPROXY_MAP: '/run/ha/hosts.map',
  HAPROXY_MASTER_SOCKET: '/run/ha/master.sock',
  HAPROXY_ADMIN_SOCKET: '/run/ha/admin.sock',
};

describe('DomainManagerConfig', () => {
  it('applies defaults and lowercases the domain', () => {
    const c = loadConfig(DomainManagerConfig, env);
    expect(c).toMatchObject({ APP_DOMAIN: 'fluxplane.test', HAPROXY_BIND: '127.0.0.1:18080', HAPROXY_BIN: 'haproxy', APPLY_DEBOUNCE_MS: 25, HTTP_PORT: 16130, HAPROXY_SERVER_CHECKS: true });
    expect(stateFileOf(c)).toBe('/run/ha/server-state');
  });
  it('names every bad variable', () => {
    let err: unknown;
    try {
      loadConfig(DomainManagerConfig, { ...env, APP_DOMAIN: 'no spaces.test', HAPROXY_MAP: 'relative.map', HAPROXY_ADMIN_SOCKET: undefined, HAPROXY_BIND: '18080' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/APP_DOMAIN: must be a DNS name/);
    expect(msg).toMatch(/HAPROXY_MAP: must be an absolute path/);
    expect(msg).toMatch(/HAPROXY_ADMIN_SOCKET: .*\(not set\)/);
    expect(msg).toMatch(/HAPROXY_BIND: must be address:port/);
  });
  it('certificates are off without ACME_DIRECTORY_URL, on with it (files in certs/ beside the HAProxy config)', () => {
    const off = loadConfig(DomainManagerConfig, env);
    expect(certificatesOn(off)).toBe(false);
    expect(tlsRenderSettings(off)).toBeUndefined();
    const on = loadConfig(DomainManagerConfig, { ...env, ACME_DIRECTORY_URL: 'https://127.0.0.1:14000/dir', CERT_RENEW_BEFORE_S: '60' });
    expect(on).toMatchObject({ TLS_BIND: '127.0.0.1:18443', CERT_RENEW_BEFORE_S: 60, CERT_CHECK_INTERVAL_MS: 3_600_000 });
    expect(tlsRenderSettings(on)).toEqual({
      bind: '127.0.0.1:18443', crtList: '/run/ha/certs/crt-list', challengeMap: '/run/ha/certs/acme-challenges.map', redirectMap: '/run/ha/certs/https-hosts.map',
    });
  });
  it('names bad certificate settings', () => {
    let err: unknown;
    try {
      loadConfig(DomainManagerConfig, { ...env, ACME_DIRECTORY_URL: 'ftp://ca', ACME_CA_FILE: 'pebble.pem', TLS_BIND: '443', CERT_RENEW_BEFORE_S: '-1' });
    } catch (e) { err = e; }
    const msg = (err as Error).message;
    expect(msg).toMatch(/ACME_DIRECTORY_URL: must be the http\(s\) URL of an ACME directory/);
    expect(msg).toMatch(/ACME_CA_FILE: must be an absolute path/);
    expect(msg).toMatch(/TLS_BIND: must be address:port/);
    expect(msg).toMatch(/CERT_RENEW_BEFORE_S/);
  });
});
