import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { DomainManagerConfig, stateFileOf } from './config';

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
    expect(c).toMatchObject({ APP_DOMAIN: 'fluxplane.test', HAPROXY_BIND: '127.0.0.1:18080', HAPROXY_BIN: 'haproxy', APPLY_DEBOUNCE_MS: 200, HTTP_PORT: 16130, HAPROXY_SERVER_CHECKS: true });
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
});
