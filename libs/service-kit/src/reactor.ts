import type { Logger } from 'pino';

export interface ReactorOptions {
  /** Run at least this often, in case a poke was missed (e.g. across a restart). */
  intervalMs: number;
  /** Pokes within this window are coalesced into one run. */
  debounceMs?: number;
  logger: Logger;
}

/**
 * Runs a reconciliation `work` function one at a time: on `poke()` (debounced) and on an interval.
 * Pokes that arrive during a run schedule exactly one more run. Errors are logged, never thrown,
 * and the next run tries again, so effects converge on the projected state.
 */
export class Reactor {
  private timer?: NodeJS.Timeout;
  private interval?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(readonly name: string, private readonly work: () => Promise<void>, private readonly opts: ReactorOptions) {}

  start(): void {
    this.stopped = false;
    this.interval = setInterval(() => this.poke(0), this.opts.intervalMs);
    this.poke(0);
  }

  poke(delayMs = this.opts.debounceMs ?? 50): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.work();
    } catch (err) {
      this.opts.logger.error({ reactor: this.name, err: String((err as Error)?.stack ?? err) }, 'reactor run failed');
    }
  }

  /** Resolves after any run in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.interval) clearInterval(this.interval);
    this.timer = undefined;
    await this.running;
  }
}
