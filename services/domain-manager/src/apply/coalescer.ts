/**
 * Runs `work` one at a time, coalescing bursts of triggers (consul-template's `wait min:max`):
 * a trigger starts a quiet period of `delayMs`, each further trigger restarts it, but never past
 * `maxDelayMs` after the first one, so a steady trickle of changes cannot postpone routing forever.
 * Triggers during a run cause exactly one more run after it.
 */
export class Coalescer {
  private timer?: NodeJS.Timeout;
  private firstAt?: number;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly delayMs: number,
    private readonly maxDelayMs = Math.max(delayMs * 4, delayMs),
    private readonly now: () => number = Date.now,
  ) {}

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const now = this.now();
    this.firstAt ??= now;
    const wait = Math.max(0, Math.min(this.delayMs, this.firstAt + this.maxDelayMs - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    this.firstAt = undefined;
    this.running = this.work()
      .catch(() => undefined) // the work reports its own errors; the loop must survive them
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** True while a run is scheduled or in progress. */
  get busy(): boolean {
    return this.timer !== undefined || this.running !== undefined || this.again;
  }

  /** Cancels what is scheduled and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.running;
  }
}
