/** Targeted nodes (v7+): at most 120 entries of `ip[:port]` or `txhash:outidx`, each ≤70 chars. */
import { reject } from '../errors';
import { NODE_ENTRY_MAX, NODES_MAX } from '../limits';

export function checkNodes(nodes: string[]): void {
  if (nodes.length > NODES_MAX) reject('nodes.tooMany', 'nodes', `has ${nodes.length} entries; at most ${NODES_MAX} are allowed`);
  nodes.forEach((n, i) => {
    if (n.length > NODE_ENTRY_MAX) reject('nodes.tooLong', `nodes[${i}]`, `is longer than ${NODE_ENTRY_MAX} characters`);
  });
}
