import { addressFromPrivateKey } from '@fluxplane/flux-spec';

/** A v8 spec of the demo image (deploy/demo-image) (busybox httpd on container port 8080) published on `port`. */
export function demoSpec(name: string, key: string, port: number, instances = 3, over: { containerData?: string; commands?: string[]; description?: string } = {}): Record<string, unknown> {
  return {
    version: 8, name, description: over.description ?? 'e2e demo', owner: addressFromPrivateKey(key),
    compose: [{
      name: 'web', description: 'busybox httpd', repotag: 'fluxplane/demo:latest', ports: [port], domains: [''],
      environmentParameters: [], commands: over.commands ?? [], containerPorts: [8080], containerData: over.containerData ?? '/tmp', cpu: 0.1, ram: 100, hdd: 1, repoauth: '',
    }],
    instances, contacts: [], geolocation: [], expire: 22000, nodes: [], staticip: false, enterprise: '',
  };
}
