import { Inject, Injectable } from '@nestjs/common';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { ensureFenceWatchdog } from '../fence-watchdog/launcher';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** The watchdog is looked for again this often, and started again if it is gone. */
const ENSURE_EVERY_MS = 5000;

/**
 * Keeps the node's fence watchdog (src/fence-watchdog) running while the agent runs: started at
 * bootstrap, or reused when one from a previous agent still guards the node; checked again every few
 * seconds. Never stopped by the agent: it exists to outlive it.
 */
@Injectable()
export class FenceWatchdogKeeper {
  private timer?: NodeJS.Timeout;
  private lastPid?: number;

  constructor(@Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig, @Inject(LOGGER) private readonly logger: Logger) {}

  start(): void {
    if (this.config.FENCE_WATCHDOG === 'off' || this.timer) return;
    this.ensure();
    this.timer = setInterval(() => this.ensure(), ENSURE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private ensure(): void {
    try {
      const w = ensureFenceWatchdog({
        nodeId: this.config.NODE_ID, dataDir: this.config.DATA_DIR, dockerSocket: this.config.DOCKER_SOCKET, logLevel: this.config.LOG_LEVEL,
        intervalMs: this.config.FENCE_WATCHDOG_INTERVAL_MS, stopTimeoutSec: this.config.FENCE_WATCHDOG_STOP_SEC,
      });
      if (w.pid !== this.lastPid) this.logger.info({ pid: w.pid, started: w.started }, w.started ? 'fence watchdog started' : 'fence watchdog already running: reused');
      this.lastPid = w.pid;
    } catch (err) {
      this.logger.error({ err: errorText(err) }, 'cannot start the fence watchdog');
    }
  }
}
