import type { Candidate, ElectionConfig, ElectionDecision, ElectionInput, ElectionState, MasterTerm } from './types';

/**
 * May this instance become master: its node is up, its instance has not failed, and it reported the
 * component's folder in sync recently: the report was received within `syncFreshMs`, and the
 * folder was last complete within `syncFreshMs` of that report (both instants of the agent's clock).
 */
export function isEligible(c: Candidate, now: number, config: ElectionConfig): boolean {
  if (!c.up || c.failed || !c.sync || c.sync.lastCompleteAt === null) return false;
  if (now - c.sync.seenAt > config.syncFreshMs) return false;
  return c.sync.reportAt - c.sync.lastCompleteAt <= config.syncFreshMs;
}

/** Eligible instances, best first: the most recently complete, then the lowest node id. */
export function rankEligible(candidates: readonly Candidate[], now: number, config: ElectionConfig): Candidate[] {
  return candidates
    .filter((c) => isEligible(c, now, config))
    .sort((a, b) => (b.sync!.lastCompleteAt! - a.sync!.lastCompleteAt!) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

/** Why the master in force can no longer serve; null while it can. */
export function masterProblem(current: MasterTerm, candidates: readonly Candidate[]): string | null {
  const c = candidates.find((x) => x.nodeId === current.nodeId);
  if (!c) return 'master unscheduled';
  if (!c.up) return 'master node down';
  if (c.failed) return 'master instance failed';
  return null;
}

/**
 * When the last lease anybody may hold has CERTAINLY expired, by the elector's clock: the later of
 * the last renewal seen and the term's start (a master never renews before its term exists), plus
 * the longest lease in play, plus the margin. An agent's lease runs from when it SENT the renewal,
 * which is before the elector saw it, so this is never earlier than the real expiry (the margin
 * covers the renewal's delivery and clock rates). Null: nothing to wait for (no term and no lease
 * seen, or the holder of the current term released it).
 */
export function leaseCertainlyExpiresAt(state: ElectionState, config: ElectionConfig): number | null {
  const { current, lease } = state;
  if (lease?.released && current && lease.term === current.term && lease.nodeId === current.nodeId) return null;
  const refs: number[] = [];
  let leaseMs = 0;
  if (current) { refs.push(current.seenAt); leaseMs = Math.max(leaseMs, current.leaseMs); }
  if (lease && !(lease.released && current && lease.term >= current.term)) { refs.push(lease.seenAt); leaseMs = Math.max(leaseMs, lease.leaseMs); }
  if (refs.length === 0) return null;
  return Math.max(...refs) + leaseMs + config.marginMs;
}

/**
 * The election of one `g:` component of one app: pure. A first master (term 1) is elected as soon as
 * an instance is eligible; the master in force is kept while its node is up, its instance has not
 * failed and the app is still placed on it; otherwise the best OTHER eligible instance gets the next
 * term, but only once the old lease has certainly expired (or was released by its holder).
 */
export function decideMaster(state: ElectionState, input: ElectionInput, now: number, config: ElectionConfig): ElectionDecision {
  const { current } = state;
  let reason = 'first master';
  if (current) {
    const problem = masterProblem(current, input.candidates);
    if (!problem) return { kind: 'keep' };
    reason = problem;
  }
  const pool = rankEligible(input.candidates, now, config).filter((c) => c.nodeId !== current?.nodeId);
  const best = pool[0];
  if (!best) return { kind: 'none', reason: `${reason}; no ${current ? 'other ' : ''}instance reported its folder in sync recently` };
  const expires = leaseCertainlyExpiresAt(state, config);
  if (expires !== null && now < expires) return { kind: 'wait', until: expires, reason: `${reason}; waiting for the old lease to expire` };
  return {
    kind: 'elect',
    elected: { app: input.app, component: input.component, nodeId: best.nodeId, term: (current?.term ?? 0) + 1, reason, leaseMs: config.leaseMs },
  };
}
