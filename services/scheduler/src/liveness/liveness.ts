/**
 * Node liveness from heartbeats, as a pure state machine. A node that has been heard from and then
 * stays silent for `downAfterMs` goes down; its next heartbeat brings it back. A node never heard from
 * is not judged: registration on chain says nothing about whether an agent runs there.
 */
export interface NodeLiveness {
  lastSeen: number;
  down: boolean;
}

export type LivenessChange =
  | { kind: 'NodeWentDown'; nodeId: string; lastSeen: number }
  | { kind: 'NodeCameBack'; nodeId: string };

export class LivenessTable {
  private readonly nodes = new Map<string, NodeLiveness>();

  /** Marks what the event store says, e.g. a node recorded down before a restart. */
  restore(nodeId: string, down: boolean, now: number): void {
    const cur = this.nodes.get(nodeId);
    this.nodes.set(nodeId, { lastSeen: cur?.lastSeen ?? now, down });
  }

  has(nodeId: string): boolean {
    return this.nodes.has(nodeId);
  }

  /** A heartbeat arrived; returns NodeCameBack when the node was down. */
  heard(nodeId: string, now: number): LivenessChange | undefined {
    const cur = this.nodes.get(nodeId);
    this.nodes.set(nodeId, { lastSeen: now, down: false });
    return cur?.down ? { kind: 'NodeCameBack', nodeId } : undefined;
  }

  /** Nodes silent for longer than `downAfterMs` that were not down yet. */
  silent(now: number, downAfterMs: number): LivenessChange[] {
    const out: LivenessChange[] = [];
    for (const [nodeId, n] of this.nodes) {
      if (!n.down && now - n.lastSeen > downAfterMs) {
        n.down = true;
        out.push({ kind: 'NodeWentDown', nodeId, lastSeen: n.lastSeen });
      }
    }
    return out;
  }

  /**
   * We could not hear anyone until `now` (our own connection was down, or this process stalled with
   * heartbeats unread): silence counts from now, not from before.
   */
  forgive(now: number): void {
    for (const n of this.nodes.values()) if (!n.down && n.lastSeen < now) n.lastSeen = now;
  }

  /** Undo a transition that could not be recorded, so the next tick tries again. */
  revert(change: LivenessChange): void {
    const n = this.nodes.get(change.nodeId);
    if (n) n.down = change.kind === 'NodeCameBack';
  }
}
