import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOCKER_HUB_AUTH_ADDRESS, registryServerAddress } from './registry-address';

describe('registryServerAddress', () => {
  it('names the registry of a reference that has one', () => {
    expect(registryServerAddress('127.0.0.1:5001/acme/api:1.2')).toBe('127.0.0.1:5001');
    expect(registryServerAddress('ghcr.io/acme/api:latest')).toBe('ghcr.io');
    expect(registryServerAddress('localhost/api')).toBe('localhost');
  });

  it('is Docker Hub for a reference without a registry', () => {
    expect(registryServerAddress('nginx:latest')).toBe(DOCKER_HUB_AUTH_ADDRESS);
    expect(registryServerAddress('acme/api:1')).toBe(DOCKER_HUB_AUTH_ADDRESS);
  });

  it('is the host[:port] prefix of any mirror-prefixed reference', () => {
    const host = fc.stringMatching(/^[a-z0-9]+(\.[a-z0-9]+)+(:\d{1,5})?$/);
    fc.assert(fc.property(host, fc.stringMatching(/^[a-z0-9]+(\/[a-z0-9]+)?(:[a-z0-9]+)?$/), (h, name) => {
      expect(registryServerAddress(`${h}/${name}`)).toBe(h);
    }));
  });
});
