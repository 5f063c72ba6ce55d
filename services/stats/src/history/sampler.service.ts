import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Notifications, type ProjectionChanged } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG, errorText, LOGGER, ProjectionHost, type Logger } from '@fluxplane/service-kit';
import { dueInstants, figuresOf, retentionCutoff, sampleInstant } from '../domain';
import { NetworkReader } from '../projections/network.reader';
import type { StatsConfig } from '../config';
import { SampleStore } from './sample-store';
import { publishActivityTotals, publishFigures, sampleErrors, samplesTaken } from './stats-metrics';

/**
 * How far back a late round still fills in the instants it missed (a busy machine, a stalled event
 * loop), with the figures of now: 10 intervals or 5 minutes, whichever is longer. After a longer gap (the service was down) only
 * the current instant is taken: the network's state in between is not known.
 */
const catchUpInstants = (intervalMs: number) => Math.max(10, Math.ceil(300_000 / intervalMs));
/** The samples' change notification (`ntf.projection.stats.samples`): the gateway's history snapshots follow it. */
export const SAMPLES_NOTIFICATION = Notifications.projectionChanged('stats', 'samples');

/**
 * Samples the network projection into the history at every multiple of STATS_SAMPLE_INTERVAL_MS
 * (after the projection caught up at start, so a restart does not record a half-replayed network),
 * prunes what is older than STATS_RETENTION_DAYS every STATS_PRUNE_INTERVAL_MS, and keeps the
 * Prometheus figures at the latest sample. Every replica samples; each instant is stored once.
 */
@Injectable()
export class Sampler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private stopped = false;
  private round: Promise<void> = Promise.resolve();

  constructor(
    private readonly samples: SampleStore,
    private readonly network: NetworkReader,
    private readonly projections: ProjectionHost,
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: StatsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.projections.catchUp(120_000)
      .catch((err) => this.logger.warn({ err: errorText(err) }, 'projections did not catch up in 120 s; sampling anyway'))
      .then(() => {
        if (this.stopped) return;
        this.schedule();
        this.prune();
        this.pruneTimer = setInterval(() => this.prune(), this.config.STATS_PRUNE_INTERVAL_MS);
        this.pruneTimer.unref();
      });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    await this.round;
  }

  /** The next round at the next sample instant. */
  private schedule(): void {
    if (this.stopped) return;
    const interval = this.config.STATS_SAMPLE_INTERVAL_MS;
    const now = Date.now();
    this.timer = setTimeout(() => {
      this.round = this.sample().finally(() => this.schedule());
    }, sampleInstant(now, interval) + interval - now);
    this.timer.unref();
  }

  /** One round: the instants due since the last stored sample, all with the network's figures now. */
  async sample(now = Date.now()): Promise<void> {
    const interval = this.config.STATS_SAMPLE_INTERVAL_MS;
    try {
      const due = dueInstants(await this.samples.lastAt(), now, interval, catchUpInstants(interval));
      if (due.length === 0) return;
      const figures = figuresOf(await this.network.state());
      const stored = await this.samples.insert(due, interval, figures);
      samplesTaken.inc(stored);
      publishFigures(due[due.length - 1]!, figures);
      publishActivityTotals(await this.network.activityTotals());
      if (stored > 0) this.notify(due[due.length - 1]!);
      this.logger.debug({ at: due, stored, nodes: figures.nodes.total, running: figures.instances.running }, 'network sampled');
    } catch (err) {
      sampleErrors.inc();
      this.logger.warn({ err: errorText(err) }, 'sampling failed; retried at the next instant');
    }
  }

  private prune(): void {
    const cutoff = retentionCutoff(Date.now(), this.config.STATS_RETENTION_DAYS);
    this.samples.prune(cutoff).then(
      (n) => { if (n.samples || n.activity) this.logger.info({ cutoff: new Date(cutoff).toISOString(), ...n }, 'pruned stats history'); },
      (err) => this.logger.warn({ err: errorText(err) }, 'pruning the stats history failed; retried at the next round'),
    );
  }

  /** Lossy, like the projections' own notifications: readers also refresh periodically. */
  private notify(at: number): void {
    if (this.store.nc.isClosed()) return;
    const body: ProjectionChanged = { schema: 'stats', projection: 'samples', seq: at };
    try {
      this.store.nc.publish(SAMPLES_NOTIFICATION, JSON.stringify(body));
    } catch (err) {
      this.logger.debug({ err: errorText(err) }, 'samples notification not sent');
    }
  }
}
