import { Inject, Injectable } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Signals, SyncStatusSignal } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** A report older than this many status intervals no longer counts: its node may be gone. */
const FRESH_INTERVALS = 3;

/**
 * The sync status signals of every node (`sig.sync.*`, core NATS): this node publishes its own,
 * and keeps the latest of each other node, for the start rule of `r:` folders (does a peer hold
 * data? has every peer spoken?). Lossy by nature: a missing report only makes the rule wait.
 */
@Injectable()
export class SyncStatusSignals {
  private readonly latest = new Map<string, { signal: SyncStatusSignal; receivedAt: number }>();
  private sub?: Subscription;
  private invalidLogged = false;

  constructor(
    private readonly store: EventStore,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  start(): void {
    this.sub = this.store.nc.subscribe(Signals.syncStatuses, {
      callback: (err, msg) => {
        if (err) return;
        let parsed: ReturnType<typeof SyncStatusSignal.safeParse>;
        try {
          parsed = SyncStatusSignal.safeParse(msg.json());
        } catch {
          parsed = SyncStatusSignal.safeParse(undefined);
        }
        if (!parsed.success || Signals.syncStatus(parsed.data.nodeId) !== msg.subject) {
          if (!this.invalidLogged) this.logger.warn({ subject: msg.subject, err: parsed.success ? 'node id does not match the subject' : parsed.error.issues[0]?.message }, 'ignoring an invalid sync status signal');
          this.invalidLogged = true;
          return;
        }
        this.latest.set(parsed.data.nodeId, { signal: parsed.data, receivedAt: Date.now() });
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  publish(signal: SyncStatusSignal): void {
    try {
      this.store.nc.publish(Signals.syncStatus(signal.nodeId), JSON.stringify(SyncStatusSignal.parse(signal)));
    } catch (err) {
      this.logger.debug({ err: errorText(err) }, 'sync status not sent');
    }
  }

  /** The latest report of a node if it is fresh, else undefined. */
  fresh(nodeId: string, now = Date.now()): SyncStatusSignal | undefined {
    const r = this.latest.get(nodeId);
    return r && now - r.receivedAt <= FRESH_INTERVALS * this.config.SYNC_STATUS_INTERVAL_MS ? r.signal : undefined;
  }
}
