import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest } from '@fluxplane/testkit';
import type { Network } from './local-network';
import { serviceProcesses } from './topology';

/**
 * The `g:` demo counter (deploy/demo-image `/cgi-bin/counter`) seen from outside, and the blunt
 * instruments of failover tests: kill a node (agent SIGKILL + its containers removed), bring it back.
 */
export interface CounterAnswer {
  count: number;
  /** The node (FLUX_NODE_ID) whose instance answered. */
  node: string;
}

/** One request to the counter through HAProxy; undefined when it was not answered by an instance. */
export async function counterRequest(haproxyUrl: string, host: string, method: 'GET' | 'POST', timeoutMs = 2000): Promise<CounterAnswer | undefined> {
  const res = await httpRequest(`${haproxyUrl}/cgi-bin/counter`, { method, host, timeoutMs }).catch(() => undefined);
  const m = res?.status === 200 ? /count=(\d+) node=(\S+)/.exec(res.body) : null;
  return m ? { count: Number(m[1]), node: m[2]! } : undefined;
}

/** The counter as stored in a node's synced data folder (`DATA_DIR/apps/flux<component>_<app>/appdata`). */
export function counterOnDisk(dataDir: string, app: string, component = 'web'): number | undefined {
  try {
    const n = Number(readFileSync(join(dataDir, 'apps', `flux${component}_${app}`, 'appdata', 'counter'), 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Running containers of `app` on `nodeId` (the agents label them). */
export function appContainersOn(app: string, nodeId: string): string[] {
  return execFileSync('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${app}`, '--filter', `label=fluxplane.node=${nodeId}`]).toString().split(/\s+/).filter(Boolean);
}

/** How many containers of `app` run right now, on any node. */
export function runningAppContainers(app: string): number {
  return execFileSync('docker', ['ps', '-q', '--filter', `label=fluxplane.app=${app}`]).toString().split(/\s+/).filter(Boolean).length;
}

/** A crash of a whole node: its agent SIGKILLed, then every container of `app` it ran removed (`docker rm -f`). */
export async function killNode(net: Network, nodeIndex: number, app: string): Promise<void> {
  const node = net.nodes[nodeIndex]!;
  await net.group.stop(`node-agent-${nodeIndex + 1}`, 'SIGKILL');
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=fluxplane.app=${app}`, '--filter', `label=fluxplane.node=${node.nodeId}`]).toString().split(/\s+/).filter(Boolean);
  if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

/** Starts a node's agent again (same settings as at the network's start). */
export function restartNodeAgent(net: Network, nodeIndex: number): void {
  const name = `node-agent-${nodeIndex + 1}`;
  const spec = serviceProcesses(net.settings, net.nodes).find((p) => p.name === name);
  if (!spec) throw new Error(`no process ${name} in this network`);
  net.group.start(spec);
}
