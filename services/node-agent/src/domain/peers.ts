/**
 * FluxOS nodes keep websocket connections to a few peers (outgoing) and accept some (incoming); FDM's
 * health check wants more than 8 out and more than 4 in. fluxplane's nodes talk over the bus, where
 * every node reaches every other: the peers a node reports are its neighbours on a ring of the
 * confirmed nodes sorted by id (the next `max` as outgoing, the previous `max` as incoming), so the
 * lists are deterministic, never name the node itself, and every node is someone's peer.
 */
export interface PeerLists<T> {
  outgoing: T[];
  incoming: T[];
}

/** FluxOS's usual connection limits: up to 14 outgoing peers, and as many incoming. */
export const MAX_PEERS = 14;

export function peersOf<T extends { nodeId: string }>(selfId: string, nodes: readonly T[], max = MAX_PEERS): PeerLists<T> {
  const ring = [...new Map(nodes.map((n) => [n.nodeId, n])).values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  const self = ring.findIndex((n) => n.nodeId === selfId);
  const others = self < 0 ? ring : [...ring.slice(self + 1), ...ring.slice(0, self)];
  const k = Math.min(max, others.length);
  return { outgoing: others.slice(0, k), incoming: others.slice(others.length - k).reverse() };
}
