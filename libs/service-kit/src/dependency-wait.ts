import { errorText } from '@fluxplane/observability';

export interface DependencyWaitOptions {
  /** What is waited for, as an operator reads it in the log: "the bus (nats://a:4222)". */
  what: string;
  /** How long to keep trying before giving up (ms); 0 tries once. */
  timeoutMs: number;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Errors no wait can cure (refused credentials, a conflicting stream): thrown at once. */
  permanent?: (err: unknown) => boolean;
  /** First and longest pause between tries (ms). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Between two warnings about the same dependency, when its error stays the same (ms). */
const REPEAT_WARNING_MS = 30_000;

/**
 * Opens a dependency a service cannot start without (the bus, the database), trying again while it
 * is not there yet. On a deployment the services start beside their NATS and PostgreSQL, or before
 * them on other VMs (compose cannot order across machines): a service that exits at once is
 * restarted by its supervisor, loads its code again and again, and a few such loops keep a small
 * machine too busy for the very cluster they wait for to form. Waiting in the process costs nothing,
 * says in the log what it waits for, and still ends (the error names the dependency and its last
 * answer) when the wait is over.
 */
export async function waitForDependency<T>(open: () => Promise<T>, opts: DependencyWaitOptions): Promise<T> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let delay = opts.minDelayMs ?? 250;
  let tries = 0;
  let lastText = '';
  let warnedAt = 0;
  for (;;) {
    tries++;
    try {
      const value = await open();
      if (tries > 1) opts.logger?.info({ dependency: opts.what, tries, waitedMs: Date.now() - started }, `${opts.what} is ready`);
      return value;
    } catch (err) {
      const text = errorText(err);
      if (opts.permanent?.(err)) throw err;
      const now = Date.now();
      if (now + delay > deadline) {
        throw new Error(`${opts.what} not ready after ${Math.round((now - started) / 1000)} s (${tries} tries): ${text}`, { cause: err });
      }
      if (text !== lastText || now - warnedAt >= REPEAT_WARNING_MS) {
        opts.logger?.warn({ dependency: opts.what, tries, err: text }, `waiting for ${opts.what}`);
        lastText = text;
        warnedAt = now;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5_000);
    }
  }
}
