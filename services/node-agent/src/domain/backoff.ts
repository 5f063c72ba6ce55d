import type { Failure } from './report';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

interface Entry extends Failure {
  attempts: number;
  retryAt: number;
}

/**
 * Failed attempts per instance, so a broken instance (a missing image, a taken port) is retried
 * with exponential backoff instead of on every reconcile pass. Keyed by app and spec: a new spec
 * is a fresh start. Pure bookkeeping; the caller passes the clock.
 */
export class FailureBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: BackoffOptions = { initialMs: 1000, maxMs: 60_000 }) {}

  record(app: string, specHash: string, error: string, now: number): Entry {
    const prev = this.entries.get(app);
    const attempts = prev && prev.specHash === specHash ? prev.attempts + 1 : 1;
    const delay = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** (attempts - 1));
    const entry = { specHash, error, attempts, retryAt: now + delay };
    this.entries.set(app, entry);
    return entry;
  }

  /** True while the last failure of this spec is too recent to try again. */
  blocked(app: string, specHash: string, now: number): boolean {
    const e = this.entries.get(app);
    return !!e && e.specHash === specHash && now < e.retryAt;
  }

  failure(app: string): Failure | undefined {
    const e = this.entries.get(app);
    return e && { specHash: e.specHash, error: e.error };
  }

  clear(app: string): void {
    this.entries.delete(app);
  }

  /** Forgets apps that are no longer desired. */
  retain(apps: ReadonlySet<string>): void {
    for (const app of this.entries.keys()) if (!apps.has(app)) this.entries.delete(app);
  }
}
