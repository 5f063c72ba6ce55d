import { buildAppMessage } from '@fluxplane/flux-spec';

/** A small valid v8 spec of the demo image, for tests that register apps on the devchain. */
export function v8Spec(name: string, owner: string): Record<string, unknown> {
  return {
    version: 8, name, description: `${name} app`, owner,
    compose: [{
      name: 'web', description: 'web', repotag: 'fluxplane/demo:latest', ports: [39001], domains: [''], environmentParameters: [],
      commands: [], containerPorts: [8080], containerData: '/tmp', cpu: 0.1, ram: 100, hdd: 1, repoauth: '',
    }],
    instances: 3, contacts: [], geolocation: [], expire: 5000, nodes: [], staticip: false, enterprise: '',
  };
}

/** The signed registration message of a spec. */
export const signed = (spec: Record<string, unknown>, key: Uint8Array) => buildAppMessage('fluxappregister', spec, key);
