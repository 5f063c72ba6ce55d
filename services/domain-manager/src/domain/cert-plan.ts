/**
 * Pure decisions about certificates: which wanted names need one issued (none yet, or it is due for
 * renewal), which stored ones HAProxy should serve, which it should stop serving, and when to look
 * again. No clock: `now` is an input.
 */
export interface StoredCertificate {
  name: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** The last failed attempts for a name (reset by a success). */
export interface IssueFailures {
  name: string;
  failures: number;
  lastFailureAt: Date;
}

export interface CertPolicy {
  /** Renew this long before `notAfter`; at most half the certificate's lifetime (see `renewAt`). */
  renewBeforeMs: number;
  /** Wait after a failed attempt: retryMinMs × 2^(failures − 1), at most retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
}

export type IssueReason = 'missing' | 'expiring' | 'expired';

export interface CertPlan {
  /** Names to obtain a certificate for now, in name order. */
  issue: Array<{ name: string; reason: IssueReason }>;
  /** Wanted names with a certificate valid now: HAProxy serves these (and redirects HTTP to HTTPS). */
  serve: string[];
  /** Names to look at again at this time (renewal due, retry after a failure); undefined = nothing pending. */
  nextCheckAt?: Date;
}

/**
 * When a certificate is due for renewal: `renewBeforeMs` before it expires, but never earlier than
 * half-way through its life, so a margin longer than a (short-lived) certificate's lifetime cannot
 * make every fresh certificate due at once and renew it in a loop.
 */
export function renewAt(cert: Pick<StoredCertificate, 'notBefore' | 'notAfter'>, policy: Pick<CertPolicy, 'renewBeforeMs'>): Date {
  const lifetime = Math.max(0, cert.notAfter.getTime() - cert.notBefore.getTime());
  const margin = Math.min(Math.max(0, policy.renewBeforeMs), Math.floor(lifetime / 2));
  return new Date(cert.notAfter.getTime() - margin);
}

/** When a name that failed may be tried again. */
export function retryAt(f: Pick<IssueFailures, 'failures' | 'lastFailureAt'>, policy: Pick<CertPolicy, 'retryMinMs' | 'retryMaxMs'>): Date {
  const exp = Math.min(30, Math.max(0, f.failures - 1));
  const delay = Math.min(policy.retryMaxMs, policy.retryMinMs * 2 ** exp);
  return new Date(f.lastFailureAt.getTime() + delay);
}

export function isValidAt(cert: Pick<StoredCertificate, 'notBefore' | 'notAfter'>, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() < cert.notAfter.getTime();
}

export function planCertificates(input: {
  wanted: readonly string[];
  stored: readonly StoredCertificate[];
  failures?: readonly IssueFailures[];
  now: Date;
  policy: CertPolicy;
}): CertPlan {
  const { now, policy } = input;
  const stored = new Map(input.stored.map((c) => [c.name, c]));
  const failures = new Map((input.failures ?? []).map((f) => [f.name, f]));
  const issue: CertPlan['issue'] = [];
  const serve: string[] = [];
  let next: number | undefined;
  const later = (t: number) => { next = next === undefined ? t : Math.min(next, t); };

  for (const name of [...new Set(input.wanted)].sort()) {
    const cert = stored.get(name);
    if (cert && isValidAt(cert, now)) serve.push(name);
    else if (cert && now.getTime() < cert.notBefore.getTime()) later(cert.notBefore.getTime()); // serve it once valid
    const due = !cert ? 'missing' : now.getTime() >= cert.notAfter.getTime() ? 'expired'
      : now.getTime() >= renewAt(cert, policy).getTime() ? 'expiring' : undefined;
    if (!due) {
      later(renewAt(cert!, policy).getTime());
      continue;
    }
    const failed = failures.get(name);
    const retry = failed && failed.failures > 0 ? retryAt(failed, policy).getTime() : undefined;
    if (retry !== undefined && retry > now.getTime()) {
      later(retry);
      continue;
    }
    issue.push({ name, reason: due });
  }
  return { issue, serve, nextCheckAt: next === undefined ? undefined : new Date(next) };
}
