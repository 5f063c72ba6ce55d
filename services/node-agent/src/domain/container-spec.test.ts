import { describe, expect, it } from 'vitest';
import { containerSpec, imageRef } from './container-spec';
import { containerName, nodeToken, schemaName } from './naming';

describe('container spec', () => {
  it('pulls through the mirror, once', () => {
    expect(imageRef('127.0.0.1:5000', 'fluxplane/demo:latest')).toBe('127.0.0.1:5000/fluxplane/demo:latest');
    expect(imageRef('127.0.0.1:5000', '127.0.0.1:5000/fluxplane/demo:latest')).toBe('127.0.0.1:5000/fluxplane/demo:latest');
    expect(imageRef('', 'nginx')).toBe('nginx');
  });

  it('runs a component the FluxOS way, on the node address', () => {
    const spec = containerSpec({ nodeId: 'node-1', nodeIp: '127.0.0.11', registryMirror: '127.0.0.1:5000' }, 'demo', 'a'.repeat(64), {
      name: 'web', image: 'fluxplane/demo:latest', ports: [{ host: 31000, container: 8080 }], environment: ['A=1'], commands: [],
      containerData: '/data', data: null, cpu: 0.5, ramMb: 64, hddGb: 1,
    });
    expect(spec).toEqual({
      name: 'fluxweb_demo_node-1',
      image: '127.0.0.1:5000/fluxplane/demo:latest',
      labels: { 'fluxplane.app': 'demo', 'fluxplane.node': 'node-1', 'fluxplane.component': 'web', 'fluxplane.spec-hash': 'a'.repeat(64) },
      env: ['A=1', 'FLUX_APP=demo', 'FLUX_NODE_ID=node-1'],
      ports: [{ host: 31000, container: 8080 }],
      hostIp: '127.0.0.11',
      memoryBytes: 64 * 1024 * 1024,
      nanoCpus: 500_000_000,
      binds: [],
    });
  });

  it('makes node ids safe for container names and schemas, keeping different ids apart', () => {
    const txid = `${'ab'.repeat(32)}:0`;
    expect(nodeToken('n1')).toBe('n1');
    expect(nodeToken(txid)).toMatch(/^[a-z0-9_-]{1,24}$/);
    expect(nodeToken('N1')).not.toBe(nodeToken('n1'));
    expect(containerName('web', 'demo', txid)).toMatch(/^fluxweb_demo_[a-z0-9_-]+$/);
    expect(schemaName('node-1')).toMatch(/^node_agent_node_1_[0-9a-f]{8}$/);
    expect(schemaName('n1')).toBe('node_agent_n1');
    expect(schemaName(txid).length).toBeLessThanOrEqual(63);
  });
});
