import { Inject, Injectable, Optional } from '@nestjs/common';
import { errorText, LOGGER, ProjectionHost, ReconcileLoop, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime } from '../adapters/container-runtime';
import { FailureBackoff } from '../domain/backoff';
import { CrashTracker } from '../domain/crash-policy';
import type { ActualContainer } from '../domain/model';
import { appKey, Labels } from '../domain/naming';
import { plan, type Action } from '../domain/reconciler';
import { observeDesired, observeUnscheduled, type InstanceReport } from '../domain/report';
import { DesiredStateReader, type DesiredState } from '../projections/desired-state.reader';
import { InstanceReporter } from './instance-reporter';
import { agentMetrics } from '../metrics';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';
import { ActionExecutor } from './executor';
import { MasterFencing } from './master-fencing';

/** Projection changes arrive in bursts (a whole placement round); one pass handles a burst. */
const DEBOUNCE_MS = 100;
/** How long shutdown waits for a pass in flight (a pull may take long; containers keep running anyway). */
export const STOP_WAIT_MS = 5000;

/**
 * Drives the node towards its desired state: on every projection change (debounced) and every
 * RECONCILE_INTERVAL_MS it reads desired state, lists this node's containers, plans, executes, then
 * observes again and reports what changed. `loop` runs the passes one at a time.
 */
@Injectable()
export class NodeReconciler {
  readonly loop: ReconcileLoop;
  private readonly backoff = new FailureBackoff();
  private readonly crashes: CrashTracker;
  /** A pass is due when a crashed container's backoff ends (sooner than the periodic pass). */
  private wake?: { at: number; timer: NodeJS.Timeout };
  /** Apps their owner just started: not held, even before the read model has the InstanceStarted that ends the hold. */
  private readonly resuming = new Set<string>();
  /**
   * Apps their owner is stopping: held from the moment the stop begins, even in a pass that read the
   * read model before its InstanceStopped (such a pass reported InstanceStarted, which ended the hold,
   * and the stopped container was then restarted as crashed). Until the owner starts it again.
   */
  private readonly holding = new Set<string>();
  /** Stops of routed containers waiting for their drain: container id → since (ms). */
  private readonly drainWaits = new Map<string, number>();
  /** Apps of unknown containers last logged, so a steady situation is logged once. */
  private unknownApps = '';

  constructor(
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    private readonly reader: DesiredStateReader,
    private readonly executor: ActionExecutor,
    private readonly reporter: InstanceReporter,
    @Inject(LOGGER) private readonly logger: Logger,
    projections: ProjectionHost,
    /** Fencing of g: components; absent (tests of other rules): every component may run. */
    @Optional() private readonly fencing?: MasterFencing,
  ) {
    this.crashes = new CrashTracker({
      maxRestarts: config.CRASH_RESTART_LIMIT, windowMs: config.CRASH_WINDOW_MS,
      initialBackoffMs: config.CRASH_BACKOFF_INITIAL_MS, maxBackoffMs: config.CRASH_BACKOFF_MAX_MS,
    });
    this.loop = new ReconcileLoop({
      name: 'node-agent',
      work: async () => {
        await this.pass();
        agentMetrics.reconciles.inc({ outcome: 'ok' });
      },
      onError: (_key, err) => {
        agentMetrics.reconciles.inc({ outcome: 'failed' });
        this.logger.warn({ err: errorText(err) }, 'reconcile pass failed');
      },
      debounceMs: DEBOUNCE_MS,
      maxDelayMs: DEBOUNCE_MS,
      intervalMs: config.RECONCILE_INTERVAL_MS,
      projections,
      // Acting on a read model that is behind could remove containers that are still wanted (Flux
      // has wiped nodes' apps this way), so no pass runs before it caught up, however long it takes.
      catchUpAtStart: { timeoutMs: 30_000, strict: true },
      logger,
    });
  }

  /** One pass. Throws (and changes nothing) when desired or actual state cannot be read. */
  async pass(): Promise<void> {
    await this.fencing?.settle();
    const state = await this.reader.load();
    let actual = this.knownOnly(state, await this.observe());
    const now = Date.now();
    for (const id of this.drainWaits.keys()) if (!actual.some((c) => c.id === id)) this.drainWaits.delete(id);
    for (const d of state.desired) if (!d.held) this.resuming.delete(appKey(d.app));
    const held = new Set(state.desired.filter((d) => (d.held && !this.resuming.has(appKey(d.app))) || this.holding.has(appKey(d.app))).map((d) => appKey(d.app)));
    const failedSpecs = new Map(state.desired.filter((d) => d.failedSpec).map((d) => [appKey(d.app), d.failedSpec!]));
    const fencing = this.fencing;
    const mayRun = fencing ? (app: string, component: string) => fencing.mayRun(app, component) : undefined;
    const routedSpecs = new Map([...state.desired, ...state.unscheduled].filter((d) => d.routedSpec).map((d) => [appKey(d.app), d.routedSpec!]));
    const actions = plan(state.desired, actual, mayRun).filter((a) => this.drained(a, routedSpecs, now) && this.allowed(a, held, failedSpecs, now));
    if (actions.length > 0) {
      const failures = await this.executor.execute(actions, state.desired);
      for (const [app, f] of failures) this.backoff.record(app, f.specHash, f.error, Date.now());
      actual = this.knownOnly(state, await this.observe());
    }
    if (mayRun) await this.executor.prepareStandbyVolumes(state.desired.filter((d) => !held.has(appKey(d.app))), mayRun);
    const desiredApps = new Set(state.desired.map((d) => appKey(d.app)));
    this.backoff.retain(desiredApps);
    this.crashes.retain(desiredApps);
    // Volumes go only after their instance's containers are gone (and never for apps it has not seen).
    await this.executor.removeVolumesOfGone(state, actual);

    const node = { nodeId: this.config.NODE_ID, ip: this.config.NODE_IP };
    const reports: InstanceReport[] = [];
    let running = 0;
    for (const instance of state.desired) {
      const app = appKey(instance.app);
      // A halted instance (the owner stopped it) has nothing new to say until it is started again;
      // `holding` is read again here: the owner may have begun a stop while this pass ran.
      if (held.has(app) || this.holding.has(app)) continue;
      const r = observeDesired(node, instance, actual, this.crashes.failure(app, instance.specHash) ?? this.backoff.failure(app));
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
        this.logger.warn({ app: r.data.app, type: r.type, err: errorText(err) }, 'could not report instance state');
      }
    }
  }

  /**
   * Whether a stop may happen now: a container HAProxy still routes to (its app's InstanceRouted names
   * its spec, and no InstanceDrained followed) is stopped only after the domain manager drained it, so
   * no request in flight is cut and none arrives at a closed port. Unscheduled removals and spec
   * replacements wait; without an answer within DRAIN_WAIT_MS the stop goes ahead (a domain manager
   * that is down must not hold every change). Other actions never wait.
   */
  private drained(a: Action, routedSpecs: ReadonlyMap<string, string>, now: number): boolean {
    const stops = (a.kind === 'remove' && a.reason === 'unscheduled') || (a.kind === 'replace' && a.reason === 'spec-changed');
    if (!stops || this.config.DRAIN_WAIT_MS === 0) return true;
    const container = a.container;
    if (routedSpecs.get(appKey(a.app)) !== container.specHash) {
      this.drainWaits.delete(container.id);
      return true;
    }
    const since = this.drainWaits.get(container.id) ?? now;
    if (!this.drainWaits.has(container.id)) agentMetrics.drainWaits.inc();
    this.drainWaits.set(container.id, since);
    if (now - since >= this.config.DRAIN_WAIT_MS) {
      this.logger.warn({ app: a.app, container: container.id.slice(0, 12), waitedMs: now - since }, 'no InstanceDrained in time: stopping a routed instance anyway');
      this.drainWaits.delete(container.id);
      return true;
    }
    this.wakeAt(since + this.config.DRAIN_WAIT_MS);
    return false;
  }

  /** The owner started a held app: passes treat it as not held from now on. */
  resume(app: string): void {
    this.holding.delete(appKey(app));
    this.resuming.add(appKey(app));
  }

  /** The owner stopped the app: a resume in flight is over. */
  hold(app: string): void {
    this.resuming.delete(appKey(app));
    this.holding.add(appKey(app));
  }

  /**
   * Whether a planned action runs now. Removals always do. Nothing starts for an instance its owner
   * stopped (held) or whose last attempt is still backing off. A crashed container is restarted as
   * the crash policy says: now, later (a pass is due then), or never (the instance fails).
   */
  private allowed(a: Action, held: ReadonlySet<string>, failedSpecs: ReadonlyMap<string, string>, now: number): boolean {
    if (a.kind === 'remove') return true;
    const app = appKey(a.app);
    if (held.has(app) || this.backoff.blocked(app, a.specHash, now)) return false;
    if (a.kind !== 'restart') return true;
    // Given up already (in this process, or reported failed before a restart): it waits to be moved.
    if (this.crashes.failure(app, a.specHash) || failedSpecs.get(app) === a.specHash) return false;
    const d = this.crashes.decide(app, a.specHash, { component: a.component.name, exitCode: a.container.exitCode }, now);
    if (d.kind === 'wait') this.wakeAt(d.untilMs);
    if (d.kind === 'give-up') this.logger.warn({ app: a.app, component: a.component.name, err: d.error }, 'crash loop: giving up on the instance');
    if (d.kind === 'restart') agentMetrics.crashRestarts.inc();
    return d.kind === 'restart';
  }

  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      this.loop.trigger(SINGLE_KEY);
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.wake = { at, timer };
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
      exitCode: exitCodeOf(c.raw.Status),
    }));
  }
}

/** Docker's list status reads `Exited (137) 3 seconds ago`. */
function exitCodeOf(status: unknown): number | undefined {
  const m = typeof status === 'string' ? /^Exited \((\d+)\)/.exec(status) : null;
  return m ? Number(m[1]) : undefined;
}
