import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { NodeAgentConfig } from './config';

describe('node agent config', () => {
  it('has defaults and binds the API to the node address', () => {
    const c = loadConfig(NodeAgentConfig, { NODE_ID: 'n1', NODE_IP: '127.0.0.11' });
    expect(c).toMatchObject({ HTTP_HOST: '127.0.0.11', HTTP_PORT: 16127, DOCKER_SOCKET: '/var/run/docker.sock', REGISTRY_MIRROR: '127.0.0.1:5000', RECONCILE_INTERVAL_MS: 5000, HEARTBEAT_INTERVAL_MS: 1000 });
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
});
