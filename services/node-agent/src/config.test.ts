import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { NodeAgentConfig } from './config';

describe('node agent config', () => {
  it('has defaults and binds the API to the node address', () => {
    const c = loadConfig(NodeAgentConfig, { NODE_ID: 'n1', NODE_IP: '127.0.0.11' });
    expect(c).toMatchObject({ HTTP_HOST: '127.0.0.11', HTTP_PORT: 16127, DOCKER_SOCKET: '/var/run/docker.sock', REGISTRY_MIRROR: '127.0.0.1:5000', RECONCILE_INTERVAL_MS: 5000, HEARTBEAT_INTERVAL_MS: 1000 });
  });

  it('reads where the node is and what it is, and names a malformed location', () => {
    const c = loadConfig(NodeAgentConfig, { NODE_ID: 'n1', NODE_IP: '127.0.0.11', NODE_LOCATION: 'EU_CZ_Prague', NODE_STATIC_IP: 'true' });
    expect(c).toMatchObject({ NODE_LOCATION: 'EU_CZ_Prague', NODE_STATIC_IP: true, NODE_DATACENTER: false, NODE_ENTERPRISE: false });
    expect(() => loadConfig(NodeAgentConfig, { NODE_ID: 'n1', NODE_IP: '127.0.0.11', NODE_LOCATION: 'Prague' })).toThrow(/NODE_LOCATION: .*CONTINENT_COUNTRY/);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig(NodeAgentConfig, { NODE_IP: '127.0.0.300', RECONCILE_INTERVAL_MS: 'soon' })).toThrow(ConfigError);
    try {
      loadConfig(NodeAgentConfig, { NODE_IP: '127.0.0.300', RECONCILE_INTERVAL_MS: 'soon' });
    } catch (err) {
      expect((err as Error).message).toMatch(/NODE_ID: .*\(not set\)/);
      expect((err as Error).message).toMatch(/NODE_IP: .*"127\.0\.0\.300"/);
      expect((err as Error).message).toMatch(/RECONCILE_INTERVAL_MS/);
    }
  });

  it('takes the Syncthing API key from a file, and wants a key and a listen address with SYNCTHING_URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'na-cfg-'));
    writeFileSync(join(dir, 'apikey'), 'k3y\n');
    const base = { NODE_ID: 'n1', NODE_IP: '127.1.0.1', SYNCTHING_URL: 'http://127.1.0.1:8384' };
    expect(loadConfig(NodeAgentConfig, { ...base, SYNCTHING_API_KEY_FILE: join(dir, 'apikey'), SYNCTHING_LISTEN_ADDRESS: 'tcp://127.1.0.1:16129' }).SYNCTHING_API_KEY).toBe('k3y');
    expect(() => loadConfig(NodeAgentConfig, base)).toThrow(/SYNCTHING_API_KEY: .*SYNCTHING_URL is set[\s\S]*SYNCTHING_LISTEN_ADDRESS/);
    expect(() => loadConfig(NodeAgentConfig, { ...base, SYNCTHING_API_KEY_FILE: join(dir, 'missing'), SYNCTHING_LISTEN_ADDRESS: 'tcp://127.1.0.1:16129' })).toThrow(/SYNCTHING_API_KEY_FILE: cannot read it/);
    expect(loadConfig(NodeAgentConfig, { NODE_ID: 'n1', NODE_IP: '127.1.0.1' }).SYNCTHING_URL).toBeUndefined();
  });
});
