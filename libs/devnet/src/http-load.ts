import { httpRequest } from '@fluxplane/testkit';

export interface LoadFailure {
  at: number;
  /** HTTP status (0: no answer) and what went wrong. */
  status: number;
  error?: string;
}

export interface HttpLoadOptions {
  url: string;
  host: string;
  /** One request every `intervalMs` (a constant, light load; requests do not overlap). */
  intervalMs: number;
  /** Bounds: stops by itself after this many requests or this long, whichever comes first. */
  maxRequests: number;
  maxMs: number;
  timeoutMs?: number;
}

/**
 * A constant load through HAProxy: one GET every `intervalMs`, each answer counted. A request fails
 * when it gets no answer or a status other than 200 (a 502/503 of HAProxy is exactly what hitless
 * route changes must avoid). Bounded in count and time, so a stuck test cannot load the machine forever.
 */
export class HttpLoad {
  requests = 0;
  readonly failures: LoadFailure[] = [];
  /** Which instance answered (the demo's `node=` field), counted. */
  readonly answeredBy = new Map<string, number>();
  private stopped = false;
  private done?: Promise<void>;

  constructor(private readonly o: HttpLoadOptions) {}

  start(): void {
    const until = Date.now() + this.o.maxMs;
    this.done = (async () => {
      while (!this.stopped && this.requests < this.o.maxRequests && Date.now() < until) {
        const started = Date.now();
        await this.once();
        const wait = this.o.intervalMs - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  private async once(): Promise<void> {
    this.requests++;
    try {
      const res = await httpRequest(this.o.url, { method: 'GET', host: this.o.host, timeoutMs: this.o.timeoutMs ?? 5000 });
      if (res.status !== 200) {
        this.failures.push({ at: Date.now(), status: res.status, error: res.body.slice(0, 200) });
        return;
      }
      const node = /node=(\S+)/.exec(res.body)?.[1] ?? '?';
      this.answeredBy.set(node, (this.answeredBy.get(node) ?? 0) + 1);
    } catch (err) {
      this.failures.push({ at: Date.now(), status: 0, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async stop(): Promise<{ requests: number; failed: number }> {
    this.stopped = true;
    await this.done;
    return { requests: this.requests, failed: this.failures.length };
  }
}
