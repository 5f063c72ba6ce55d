import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { subscribe, type Subscription } from '@fluxplane/client';
import { Subjects, subjectToken } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG, LOGGER, errorText, gauge, type Logger } from '@fluxplane/service-kit';
import type { GatewayConfig } from '../config';
import { LiveFeed, type FrameSink, type LiveEvent } from './live-feed';

const connected = gauge({ name: 'fluxplane_gateway_live_clients', help: 'Browsers connected to GET /events/live' });

/**
 * Events pushed to the dashboard as they are stored: one ephemeral (ordered) JetStream consumer of
 * the gateway on every event subject, delivering only new events, fanned out to the connected
 * clients (`LiveFeed`, bounded per client). Nothing is kept: a browser reads the current state over
 * the REST routes and follows the changes here.
 */
@Injectable()
export class LiveEvents implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly feed: LiveFeed;
  private sub?: Subscription;
  private pinger?: NodeJS.Timeout;

  constructor(
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.feed = new LiveFeed(config.LIVE_MAX_QUEUED);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await subscribe(this.store.nc, {
      from: 'new',
      onEvent: (e, d) => this.feed.publish({ seq: d.seq, subject: d.subject, type: e.type, time: e.time, data: e.data }),
      onError: (err) => this.logger.warn({ err: errorText(err) }, 'live event not forwarded'),
    }, this.store.stream);
    this.pinger = setInterval(() => this.feed.ping(), this.config.LIVE_PING_MS);
    this.pinger.unref();
  }

  beforeApplicationShutdown(): Promise<void> | undefined {
    if (this.pinger) clearInterval(this.pinger);
    this.feed.closeAll();
    connected.set(0);
    return this.sub?.stop();
  }

  /** Follows the live events (of `app` only, when given) until the returned function is called. */
  follow(sink: FrameSink, app?: string): () => void {
    const remove = this.feed.add(sink, app);
    connected.set(this.feed.size);
    return () => {
      remove();
      connected.set(this.feed.size);
    };
  }

  /**
   * The last `limit` events of an app's aggregates (spec, placements, instances, masters), oldest
   * first. Reads the app's subjects from their start (two ordered consumers: NATS 2.9 takes one
   * filter per consumer) and keeps the tail.
   */
  async recent(app: string, limit: number): Promise<LiveEvent[]> {
    const t = subjectToken(app.toLowerCase());
    const own = new Set([Subjects.app(app), Subjects.placement(app), Subjects.master(app)]);
    const tail: LiveEvent[] = [];
    const keep = (e: LiveEvent) => {
      tail.push(e);
      if (tail.length > limit) tail.shift();
    };
    const readAll = async (subject: string, accept: (s: string) => boolean) => {
      const sub = await subscribe(this.store.nc, {
        subject, from: 'all',
        onEvent: (e, d) => { if (accept(d.subject)) keep({ seq: d.seq, subject: d.subject, type: e.type, time: e.time, data: e.data }); },
      }, this.store.stream);
      try {
        await sub.caughtUp();
      } finally {
        await sub.stop();
      }
    };
    // One after the other: each keeps its own tail in stream order, merged below.
    await readAll(`evt.*.${t}`, (s) => own.has(s));
    const aggregates = tail.splice(0);
    await readAll(`evt.instance.${t}.>`, () => true);
    return [...aggregates, ...tail].sort((a, b) => a.seq - b.seq).slice(-limit);
  }
}
