export interface ReconcileQueueOptions<C> {
  /** Marks within this window are coalesced into one run per key. */
  debounceMs: number;
  work: (key: string, cause: C | undefined) => Promise<void>;
  /** Every key, for a full pass. */
  listAll: () => Promise<string[]>;
  onError: (key: string, err: unknown) => void;
}

/**
 * Collects the keys (apps) that need a decision and works them off ONE at a time. Serial on purpose:
 * decisions for different apps compete for the same node capacity, and each decision is made after
 * the previous one is visible in the read model. A key marked while it is being worked is worked
 * again afterwards, so no change is lost; a burst of marks for one key becomes one run.
 */
export class ReconcileQueue<C> {
  private readonly dirty = new Map<string, C | undefined>();
  private fullPass = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly opts: ReconcileQueueOptions<C>) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  mark(key: string, cause?: C): void {
    // Keep the latest known cause: the decision is traced to the most recent event that led to it.
    this.dirty.set(key, cause ?? this.dirty.get(key));
    this.kick();
  }

  markAll(): void {
    this.fullPass = true;
    this.kick();
  }

  /** Resolves when nothing is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.timer) await (this.running ?? new Promise((r) => setTimeout(r, this.opts.debounceMs + 1)));
  }

  private kick(): void {
    if (this.stopped || this.timer || this.running) return;
    if (this.dirty.size === 0 && !this.fullPass) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        this.kick();
      });
    }, this.opts.debounceMs);
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      if (this.fullPass) {
        this.fullPass = false;
        try {
          for (const k of await this.opts.listAll()) if (!this.dirty.has(k)) this.dirty.set(k, undefined);
        } catch (err) {
          this.opts.onError('*', err);
        }
      }
      const next = this.dirty.entries().next();
      if (next.done) return;
      const [key, cause] = next.value;
      this.dirty.delete(key);
      try {
        await this.opts.work(key, cause);
      } catch (err) {
        // The periodic full pass retries it; no tight error loop here.
        this.opts.onError(key, err);
      }
    }
  }
}
