import { Inject, Injectable } from '@nestjs/common';
import { HeartbeatSignal, Signals } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** What a heartbeat says: who, where, and when (ISO time of sending); schema in libs/contracts. */
export type Heartbeat = HeartbeatSignal;

/**
 * "This node is alive", every HEARTBEAT_INTERVAL_MS on core NATS. A signal, not an event: lossy and
 * unstored; whoever watches (the scheduler) turns a silence into NodeWentDown.
 */
@Injectable()
export class HeartbeatPublisher {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: EventStore,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.config.HEARTBEAT_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const hb: Heartbeat = { nodeId: this.config.NODE_ID, ip: this.config.NODE_IP, at: new Date().toISOString() };
    try {
      // Published while disconnected, it is buffered by the client or dropped: either is fine for a signal.
      this.store.nc.publish(Signals.heartbeat(hb.nodeId), JSON.stringify(hb));
    } catch (err) {
      this.logger.debug({ err: errorText(err) }, 'heartbeat not sent');
    }
  }
}
