import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * A small private network of network namespaces for partition tests, touching nothing of the host's
 * but one veth: a "switch" namespace holding a bridge, one namespace per node plugged into it, and the
 * host plugged into it too (10.231.<x>.1/24, where the test's NATS listens). Forwarding happens on the
 * bridge inside the switch namespace, whose firewall is empty, so the host's (Docker's FORWARD DROP)
 * does not apply. A node's link is cut by taking its port on the bridge down, and restored by bringing
 * it up. `remove()` deletes everything, also after a failure half-way.
 */
export interface PrivateNet {
  /** The host's address on it: the test network's NATS listens here. */
  hostAddress: string;
  /** Per node: its namespace's address, and the command prefix that runs a process in it (network only). */
  nodes: Array<{ ns: string; address: string; prefix: string[] }>;
  cut(node: number): void;
  restore(node: number): void;
  remove(): void;
}

export function createPrivateNet(nodeCount: number): PrivateNet {
  const tag = randomBytes(2).toString('hex');
  const subnet = `10.231.${randomInt(1, 255)}`;
  const sw = `fpsw${tag}`;
  const hostIf = `fph${tag}`;
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ ns: `fpn${tag}${i}`, address: `${subnet}.${11 + i}`, prefix: ['nsenter', `--net=/run/netns/fpn${tag}${i}`], port: `p${i}` }));
  const created: string[] = [];
  const remove = () => {
    for (const ns of [...created].reverse()) {
      try { ip('netns', 'del', ns); } catch { /* gone */ }
    }
    // Its peer went with the switch namespace; delete it should it remain.
    try { ip('link', 'del', hostIf); } catch { /* gone */ }
  };
  try {
    ip('netns', 'add', sw); created.push(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    ip('-n', sw, 'link', 'set', 'lo', 'up');
    // The host's port.
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'host', 'netns', sw);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', sw, 'link', 'set', 'host', 'master', 'br0');
    ip('-n', sw, 'link', 'set', 'host', 'up');
    for (const n of nodes) {
      ip('netns', 'add', n.ns); created.push(n.ns);
      ip('-n', n.ns, 'link', 'set', 'lo', 'up');
      ip('-n', n.ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', n.port, 'netns', sw);
      ip('-n', n.ns, 'addr', 'add', `${n.address}/24`, 'dev', 'eth0');
      ip('-n', n.ns, 'link', 'set', 'eth0', 'up');
      ip('-n', sw, 'link', 'set', n.port, 'master', 'br0');
      ip('-n', sw, 'link', 'set', n.port, 'up');
    }
  } catch (err) {
    remove();
    throw err;
  }
  return {
    hostAddress: `${subnet}.1`,
    nodes: nodes.map(({ ns, address, prefix }) => ({ ns, address, prefix })),
    cut: (i) => ip('-n', sw, 'link', 'set', nodes[i]!.port, 'down'),
    restore: (i) => ip('-n', sw, 'link', 'set', nodes[i]!.port, 'up'),
    remove,
  };
}
