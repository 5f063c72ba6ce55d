import { z } from 'zod';

/**
 * Who holds a lease among the replicas of a service: pure decisions over what a process has seen of
 * the lease's KV entry. `KvLease` (lease.ts) does the I/O; the scheduler's leader, every projection
 * and the chain indexer's ingest loop use it.
 *
 * - The holder renews well within its lease. It counts itself the holder only until `sentAt + leaseMs`
 *   of its last successful write (its own clock, measured from BEFORE it sent the write).
 * - A contender takes over only when the entry it sees has not changed for `leaseMs + marginMs` from
 *   when IT first saw that revision (its own clock, after the holder wrote it) — so by then the old
 *   holder has certainly counted itself out — or at once when the entry was released.
 * - Every acquisition raises the term: a fencing token the holder may stamp on what it writes
 *   (scheduler decisions carry it as `leaderTerm`; the chain indexer fences its Postgres commits with it).
 * No two machines' clocks are ever compared.
 */
export const LeaseRecord = z.preprocess(
  // Entries written before leases had terms carried `ttlMs` and no term: read as term 0.
  (v) => (v && typeof v === 'object' && !('leaseMs' in v) && 'ttlMs' in v ? { term: 0, ...v, leaseMs: (v as { ttlMs: unknown }).ttlMs } : v),
  z.object({
    holder: z.string().min(1).max(200),
    term: z.number().int().nonnegative(),
    leaseMs: z.number().int().positive(),
    /** Holder's clock at the write; informative only (clocks of two machines are never compared). */
    renewedAt: z.string(),
    /** Set by a holder that stepped down (shutdown): a contender may take over at once. */
    released: z.boolean().optional(),
  }),
);
export type LeaseRecord = z.infer<typeof LeaseRecord>;

/** The entry as this process saw it: null for no entry, a deleted one, or one that does not parse. */
export interface LeaseSeen {
  lease: LeaseRecord | null;
  /** KV revision of the entry (0: no entry ever). */
  revision: number;
  /** When this process first saw this revision (its own monotonic clock). */
  seenAt: number;
}

export type LeaseDecision =
  | { kind: 'renew'; term: number; revision: number }
  | { kind: 'acquire'; term: number; revision: number; reason: string }
  | { kind: 'wait'; until: number; holder: string; term: number };

export interface LeaseTiming {
  /** This process's own lease: a holder with a shorter one is still waited out for this long. */
  leaseMs: number;
  /** Waited beyond the lease before taking over: covers what the old holder does when it counts itself out. */
  marginMs: number;
}

export function decideLease(self: string, seen: LeaseSeen, now: number, timing: LeaseTiming): LeaseDecision {
  const l = seen.lease;
  if (!l) return { kind: 'acquire', term: 1, revision: seen.revision, reason: 'nobody holds the lease' };
  if (l.holder === self && !l.released) return { kind: 'renew', term: Math.max(1, l.term), revision: seen.revision };
  if (l.released) return { kind: 'acquire', term: l.term + 1, revision: seen.revision, reason: `${l.holder} released the lease of term ${l.term}` };
  const silence = Math.max(l.leaseMs, timing.leaseMs) + timing.marginMs;
  const until = seen.seenAt + silence;
  if (now >= until) return { kind: 'acquire', term: l.term + 1, revision: seen.revision, reason: `${l.holder} did not renew the lease of term ${l.term} for ${silence} ms` };
  return { kind: 'wait', until, holder: l.holder, term: l.term };
}

/** Until when a holder counts itself the holder after a successful write it started sending at `sentAt`. */
export function activeUntil(sentAt: number, leaseMs: number): number {
  return sentAt + leaseMs;
}

/** The record in an entry's bytes, or null when it does not parse (it is then overwritten). */
export function parseLeaseRecord(text: string): LeaseRecord | null {
  let json: unknown;
  try { json = JSON.parse(text); } catch { return null; }
  const r = LeaseRecord.safeParse(json);
  return r.success ? r.data : null;
}
