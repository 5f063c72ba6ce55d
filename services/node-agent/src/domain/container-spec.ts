import type { ComponentRun } from '@fluxplane/contracts';
import type { ContainerSpec } from '../adapters/container-runtime';
import { containerName, Labels } from './naming';

export interface NodeIdentity {
  nodeId: string;
  nodeIp: string;
  /** `host[:port]` images are pulled from; empty for none. */
  registryMirror: string;
}

/**
 * The image reference to pull: no public registry is reachable, so repotags are pulled through the
 * mirror (`fluxplane/demo:latest` → `127.0.0.1:5000/fluxplane/demo:latest`).
 */
export function imageRef(mirror: string, repotag: string): string {
  if (!mirror || repotag.startsWith(`${mirror}/`)) return repotag;
  return `${mirror}/${repotag}`;
}

/**
 * How one component runs on this node, the way FluxOS runs it: its limits, its ports published on
 * the node's address, its environment plus who it is (FLUX_APP, FLUX_NODE_ID), its data bound from
 * its volumes (`planMounts`), restarted by the agent when it crashes (domain/crash-policy.ts).
 */
export function containerSpec(node: NodeIdentity, app: string, specHash: string, component: ComponentRun, binds: ContainerSpec['binds'] = []): ContainerSpec {
  return {
    name: containerName(component.name, app, node.nodeId),
    image: imageRef(node.registryMirror, component.image),
    labels: {
      [Labels.app]: app,
      [Labels.node]: node.nodeId,
      [Labels.component]: component.name,
      [Labels.specHash]: specHash,
      ...(component.data?.syncMode === 'g' ? { [Labels.fenced]: 'g' } : {}),
    },
    env: [...component.environment, `FLUX_APP=${app}`, `FLUX_NODE_ID=${node.nodeId}`],
    ...(component.commands.length > 0 ? { cmd: component.commands } : {}),
    ports: component.ports.map((p) => ({ host: p.host, container: p.container })),
    hostIp: node.nodeIp,
    memoryBytes: component.ramMb * 1024 * 1024,
    nanoCpus: Math.round(component.cpu * 1e9),
    binds,
  };
}
