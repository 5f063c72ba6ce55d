import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime } from '../adapters/container-runtime';
import { FailureBackoff } from '../domain/backoff';
import type { ActualContainer } from '../domain/model';
import { appKey, Labels } from '../domain/naming';
import { plan } from '../domain/reconciler';
import { observeDesired, observeUnscheduled, type InstanceReport } from '../domain/report';
import { DesiredStateReader, type DesiredState } from '../projections/desired-state.reader';
import { InstanceReporter } from '../reporting/instance-reporter';
import { agentMetrics } from '../metrics';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { ActionExecutor } from './executor';

/** Projection changes arrive in bursts (a whole placement round); one pass handles a burst. */
const DEBOUNCE_MS = 100;
/** How long shutdown waits for a pass in flight (a pull may take long; containers keep running anyway). */
const STOP_WAIT_MS = 5000;

/**
 * Drives the node towards its desired state: on every projection change (debounced) and every
 * RECONCILE_INTERVAL_MS it reads desired state, lists this node's containers, plans, executes, then
 * observes again and reports what changed. Passes never overlap; a request during a pass queues
 * exactly one more.
 */
@Injectable()
export class ReconcileLoop {
  private readonly backoff = new FailureBackoff();
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private current?: Promise<void>;
  private again = false;
  private stopped = true;
  private ready = false;
  /** Apps of unknown containers last logged, so a steady situation is logged once. */
  private unknownApps = '';

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    private readonly reader: DesiredStateReader,
    private readonly executor: ActionExecutor,
    private readonly reporter: InstanceReporter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Starts the loop once `caughtUp` resolves. Acting on a read model that is behind could remove
   * containers that are still wanted (Flux has wiped nodes' apps this way), so no pass runs before.
   */
  start(caughtUp: () => Promise<void>): void {
    this.stopped = false;
    void (async () => {
      while (!this.stopped) {
        try {
          await caughtUp();
          break;
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'desired state not caught up yet; reconciling later');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      if (this.stopped) return;
      this.ready = true;
      this.timer = setInterval(() => this.request(), this.config.RECONCILE_INTERVAL_MS);
      this.request();
    })();
  }

  /** Something changed: reconcile soon. */
  trigger(): void {
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.request();
    }, DEBOUNCE_MS);
  }

  /** Resolves after the pass in flight (if any) and any pass queued behind it. */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.debounce = undefined;
    if (this.current) await Promise.race([this.current, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  }

  private request(): void {
    if (this.stopped || !this.ready) return;
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = (async () => {
      do {
        this.again = false;
        await this.pass().then(
          () => agentMetrics.reconciles.inc({ outcome: 'ok' }),
          (err) => {
            agentMetrics.reconciles.inc({ outcome: 'failed' });
            this.logger.warn({ err: (err as Error).message }, 'reconcile pass failed');
          },
        );
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.current = undefined;
    });
  }

  /** One pass. Throws (and changes nothing) when desired or actual state cannot be read. */
  async pass(): Promise<void> {
    const state = await this.reader.load();
    let actual = this.knownOnly(state, await this.observe());
    const now = Date.now();
    const actions = plan(state.desired, actual).filter((a) => a.kind === 'remove' || !this.backoff.blocked(appKey(a.app), a.specHash, now));
    if (actions.length > 0) {
      const failures = await this.executor.execute(actions);
      for (const [app, f] of failures) this.backoff.record(app, f.specHash, f.error, Date.now());
      actual = this.knownOnly(state, await this.observe());
    }
    this.backoff.retain(new Set(state.desired.map((d) => appKey(d.app))));

    const node = { nodeId: this.config.NODE_ID, ip: this.config.NODE_IP };
    const reports: InstanceReport[] = [];
    let running = 0;
    for (const instance of state.desired) {
      const r = observeDesired(node, instance, actual, this.backoff.failure(appKey(instance.app)));
      if (r?.type === 'InstanceStarted') {
        running++;
        this.backoff.clear(appKey(instance.app));
      }
      if (r) reports.push(r);
    }
    for (const u of state.unscheduled) {
      const r = observeUnscheduled(this.config.NODE_ID, u.app, u.reason, actual);
      if (r) reports.push(r);
    }
    agentMetrics.runningInstances.set(running);
    agentMetrics.desiredInstances.set(state.desired.length);

    for (const r of reports) {
      try {
        await this.reporter.report(r);
      } catch (err) {
        // Reporting is retried on the next pass: the report is derived again from what runs.
        this.logger.warn({ app: r.data.app, type: r.type, err: (err as Error).message }, 'could not report instance state');
      }
    }
  }

  /**
   * Only containers of apps the read model knows (desired, or unscheduled from this node) are acted
   * on. A container of an app it has never heard of means the read model is not the one that created
   * it (lost database, another event stream): removing such containers is how Flux nodes wiped their
   * apps, so they are left running and logged instead.
   */
  private knownOnly(state: DesiredState, containers: ActualContainer[]): ActualContainer[] {
    const known = new Set([...state.desired.map((d) => appKey(d.app)), ...state.unscheduled.map((u) => appKey(u.app))]);
    const unknown = containers.filter((c) => !known.has(appKey(c.app)));
    if (unknown.length > 0) {
      const apps = [...new Set(unknown.map((c) => c.app))].sort().join(',');
      if (apps !== this.unknownApps) this.logger.warn({ apps, containers: unknown.map((c) => c.id.slice(0, 12)) }, 'containers of apps never placed on this node by this read model; left alone');
      this.unknownApps = apps;
    } else {
      this.unknownApps = '';
    }
    return unknown.length > 0 ? containers.filter((c) => known.has(appKey(c.app))) : containers;
  }

  private async observe(): Promise<ActualContainer[]> {
    const containers = await this.runtime.list({ [Labels.node]: this.config.NODE_ID });
    return containers.map((c) => ({
      id: c.id,
      app: c.labels[Labels.app] ?? '',
      component: c.labels[Labels.component] ?? '',
      specHash: c.labels[Labels.specHash] ?? '',
      state: c.state,
    }));
  }
}
