/**
 * Fencing of a `g:` component on this node: may it run here now? Pure: a fold of what the node has
 * seen (terms from `MasterElected`, its own lease renewals, lease entries of other nodes) and a
 * decision at a given instant of the node's own monotonic clock (milliseconds).
 *
 * The rule: the component may run only while this node is the master of the highest term it has
 * seen, it renewed the lease FOR THAT TERM successfully, less than `leaseMs` ago (measured from when
 * the renewal was sent, so the node's view of the lease never outlives the stored one), and no lease
 * entry of another node with a term as high or higher has been seen. A lower term arriving late
 * changes nothing; a renewal answered late (for an older term, or sent before the last one) changes
 * nothing either. A master whose lease lapsed may run again only after a new successful renewal.
 */

export interface Term {
  term: number;
  nodeId: string;
  leaseMs: number;
}

export interface LeaseState {
  /** The highest term seen for this component, or null before any. */
  term: Term | null;
  /** This node's last successful renewal: the term it was for and when it was sent (monotonic ms). */
  renewed: { term: number; sentAt: number } | null;
  /** The highest-term lease entry written by ANOTHER node that this node has seen. */
  foreign: { nodeId: string; term: number } | null;
}

export const EMPTY_LEASE: LeaseState = { term: null, renewed: null, foreign: null };

export type LeaseEvent =
  /** A `MasterElected` (or its projection) for this component. */
  | { kind: 'term'; term: Term }
  /** A renewal (create or compare-and-set update) of this node's lease succeeded. */
  | { kind: 'renewed'; term: number; sentAt: number }
  /** A lease entry in the KV, written by `nodeId` for `term`. */
  | { kind: 'lease-seen'; nodeId: string; term: number };

export function evolveLease(self: string, s: LeaseState, e: LeaseEvent): LeaseState {
  switch (e.kind) {
    case 'term':
      // Terms only grow: a lower (late) or repeated term is ignored.
      if (s.term && e.term.term <= s.term.term) return s;
      return { ...s, term: { ...e.term } };
    case 'renewed': {
      // Only a renewal for the current term counts, and never one sent before the last that counted.
      if (!s.term || e.term !== s.term.term || s.term.nodeId !== self) return s;
      if (s.renewed && s.renewed.term === e.term && s.renewed.sentAt >= e.sentAt) return s;
      return { ...s, renewed: { term: e.term, sentAt: e.sentAt } };
    }
    case 'lease-seen':
      if (e.nodeId === self) return s;
      if (s.foreign && s.foreign.term >= e.term) return s;
      return { ...s, foreign: { nodeId: e.nodeId, term: e.term } };
  }
}

export type LeaseRole =
  /** Master of the highest term, lease valid: runs the component, folder send-receive. */
  | 'master'
  /** Master of the highest term, but no valid lease (not renewed yet, or lapsed): fenced. */
  | 'master-unleased'
  /** Was master of the highest term it saw, but another node holds a lease of a term as high or higher. */
  | 'superseded'
  /** Another node is the master of the highest term. */
  | 'replica'
  /** No term seen yet: nobody may run it here. */
  | 'unelected';

export function leaseRole(self: string, s: LeaseState, now: number): LeaseRole {
  const t = s.term;
  if (!t) return 'unelected';
  if (t.nodeId !== self) return 'replica';
  if (s.foreign && s.foreign.term >= t.term) return 'superseded';
  if (!s.renewed || s.renewed.term !== t.term || now - s.renewed.sentAt >= t.leaseMs) return 'master-unleased';
  return 'master';
}

/** May the component run on this node at `now`? */
export function mayRun(self: string, s: LeaseState, now: number): boolean {
  return leaseRole(self, s, now) === 'master';
}

/** Should this node (try to) write its lease: it is the master of the highest term, not superseded. */
export function holdsTerm(self: string, s: LeaseState): boolean {
  return !!s.term && s.term.nodeId === self && !(s.foreign && s.foreign.term >= s.term.term);
}

/** Renewals go out every leaseMs/3: two may fail before the lease lapses. */
export function renewEveryMs(leaseMs: number): number {
  return Math.max(1, Math.floor(leaseMs / 3));
}

/** When, by the monotonic clock, the lease lapses (null: no valid lease). */
export function lapsesAt(self: string, s: LeaseState): number | null {
  if (!holdsTerm(self, s) || !s.renewed || s.renewed.term !== s.term!.term) return null;
  return s.renewed.sentAt + s.term!.leaseMs;
}

/** The lease entry as found in the KV (already validated), with its revision. */
export interface StoredLease {
  nodeId: string;
  term: number;
  revision: number;
}

export type LeaseWrite =
  | { kind: 'create' }
  | { kind: 'update'; revision: number }
  /** Another node's entry with a term as high or higher: this node must not write over it. */
  | { kind: 'fenced'; nodeId: string; term: number };

/**
 * How this node writes its lease for `term` over what the KV holds: `create` when there is no entry,
 * a compare-and-set `update` on the entry's revision when it is this node's own (same term) or of an
 * older term, and nothing when another node holds the same or a higher term.
 */
export function leaseWrite(self: string, term: number, stored: StoredLease | null): LeaseWrite {
  if (!stored) return { kind: 'create' };
  if (stored.term < term || (stored.term === term && stored.nodeId === self)) return { kind: 'update', revision: stored.revision };
  return { kind: 'fenced', nodeId: stored.nodeId, term: stored.term };
}
