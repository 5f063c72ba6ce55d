import { Inject, Injectable } from '@nestjs/common';
import {
  MAX_HISTORY_SAMPLES, MAX_TIER_HISTORY_ENTRIES, type StatsHistory, type StatsHistoryQuery, type StatsTierHistoryQuery, type TierHistoryEntry,
} from '@fluxplane/contracts';
import { CONFIG } from '@fluxplane/service-kit';
import { fitHistory, rangeOf, tierHistory, withActivity } from '../domain';
import { SampleStore } from '../history/sample-store';
import type { StatsConfig } from '../config';

/** What one reply may take of a NATS message (1 MB by default), with room for the envelope. */
export const REPLY_BUDGET_BYTES = 768 * 1024;

/** The history queries (`qry.stats.history`, `qry.stats.tier-history`), answered from the samples table. */
@Injectable()
export class HistoryQueries {
  constructor(private readonly samples: SampleStore, @Inject(CONFIG) private readonly config: StatsConfig) {}

  async history(q: StatsHistoryQuery, now = Date.now()): Promise<StatsHistory> {
    const { from, to } = rangeOf(q, now);
    const stored = await this.samples.range(from, to);
    // The activity of the oldest sample's interval begins before `from`.
    const widest = stored.reduce((m, s) => Math.max(m, s.intervalMs), 0);
    const points = stored.length ? await this.samples.activity(stored[0]!.at - widest, stored[stored.length - 1]!.at) : [];
    return fitHistory(withActivity(stored, points), this.config.STATS_SAMPLE_INTERVAL_MS, q.maxSamples ?? MAX_HISTORY_SAMPLES, REPLY_BUDGET_BYTES);
  }

  /** Default range: the retention period (fluxstats answers 30 days of rounds). */
  async tierHistory(q: StatsTierHistoryQuery, now = Date.now()): Promise<TierHistoryEntry[]> {
    const to = q.to ?? now;
    const from = q.from ?? Math.max(0, to - Math.round(this.config.STATS_RETENTION_DAYS * 86_400_000));
    return tierHistory(await this.samples.tiers(from, to), q.maxEntries ?? MAX_TIER_HISTORY_ENTRIES);
  }
}
