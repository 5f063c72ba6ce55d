import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { nodeAgentRpc, Refusal, type AppControlAction, type AppControlReply } from '@fluxplane/contracts';
import { LOGGER, ProjectionHost, Responder, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, type ContainerRuntime, type ContainerSummary } from '../adapters/container-runtime';
import { appKey, Labels } from '../domain/naming';
import { ownerStopped } from '../domain/report';
import { DesiredStateReader } from '../projections/desired-state.reader';
import { InstanceReporter } from '../reconcile/instance-reporter';
import { NodeReconciler } from '../reconcile/node-reconciler';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

const STOP_TIMEOUT_SEC = 10;

/**
 * The owner's routes, answered for the instance on this node (the gateway checks the owner and asks
 * every node the app is placed on): logs, stats and Docker's record of its containers, and restart,
 * stop and start.
 *
 * A stop is an event, not agent state: `InstanceStopped {byOwner: true}` is appended first, the read
 * model marks the instance held, and only then are its containers stopped, so no pass restarts them
 * (nor after an agent restart, or a move back to this node's read model). The scheduler keeps the
 * placement (a stop is no setback) and domain-manager stops routing to it. A start resumes the
 * instance; its next `InstanceStarted` ends the hold.
 */
@Injectable()
export class AppControlQueries implements OnApplicationBootstrap {
  constructor(
    private readonly responder: Responder,
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    private readonly reader: DesiredStateReader,
    private readonly reporter: InstanceReporter,
    private readonly reconciler: NodeReconciler,
    private readonly projections: ProjectionHost,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    const rpc = nodeAgentRpc(this.config.NODE_ID);
    this.responder.serve(rpc.appLog, async ({ app, lines }) =>
      Promise.all((await this.containers(app)).map(async (c) => ({ ...ref(c), log: await this.runtime.logs(c.id, lines) }))));
    this.responder.serve(rpc.appStats, async ({ app }) =>
      Promise.all((await this.containers(app)).map(async (c) => ({ ...ref(c), stats: await this.runtime.stats(c.id) }))));
    this.responder.serve(rpc.appInspect, async ({ app }) =>
      Promise.all((await this.containers(app)).map(async (c) => ({ ...ref(c), inspect: await this.runtime.inspect(c.id) }))));
    this.responder.serve(rpc.appControl, ({ app, action }) => this.control(app, action));
  }

  private async control(app: string, action: AppControlAction): Promise<AppControlReply> {
    const instance = (await this.reader.load()).desired.find((d) => appKey(d.app) === appKey(app));
    if (!instance) throw new Refusal('AppNotFound', `application ${app} is not placed on node ${this.config.NODE_ID}`);
    const log = this.logger.child({ app: instance.app, action });
    if (action === 'stop') {
      this.reconciler.hold(instance.app);
      await this.reporter.report(ownerStopped(this.config.NODE_ID, instance.app));
      // The hold is in the read model before anything stops, and a pass that read it before is over.
      await this.projections.catchUp();
      await this.reconciler.loop.idle();
      await this.drained(instance.app, log);
      for (const c of await this.containersOrNone(instance.app)) await this.runtime.stop(c.id, STOP_TIMEOUT_SEC);
    } else if (action === 'start') {
      // Containers first, then the resume: a pass in between must not count them as crashed.
      for (const c of await this.containersOrNone(instance.app)) if (c.state !== 'running') await this.runtime.start(c.id);
      this.reconciler.resume(instance.app);
      this.reconciler.loop.trigger(SINGLE_KEY);
      await this.reconciler.loop.idle();
    } else {
      for (const c of await this.containers(instance.app)) await this.runtime.restart(c.id, STOP_TIMEOUT_SEC);
    }
    log.info('owner action done');
    return { app: instance.app, action, containers: (await this.containersOrNone(instance.app)).map((c) => ({ ...ref(c), state: c.state })) };
  }

  /**
   * An instance HAProxy serves is stopped only once the domain manager drained it (InstanceDrained
   * clears its routed spec in the read model), or after DRAIN_WAIT_MS without that answer.
   */
  private async drained(app: string, log: Logger): Promise<void> {
    const deadline = Date.now() + this.config.DRAIN_WAIT_MS;
    const routed = async () => (await this.reader.load()).desired.find((d) => appKey(d.app) === appKey(app))?.routedSpec;
    while (await routed()) {
      if (Date.now() >= deadline) {
        log.warn({ waitedMs: this.config.DRAIN_WAIT_MS }, 'no InstanceDrained in time: stopping a routed instance anyway');
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private containersOrNone(app: string): Promise<ContainerSummary[]> {
    return this.containers(app).catch((err) => (err instanceof Refusal ? [] : Promise.reject(err)));
  }

  /** This node's containers of the app; none is a refusal naming the node. */
  private async containers(app: string): Promise<ContainerSummary[]> {
    const all = await this.runtime.list({ [Labels.node]: this.config.NODE_ID });
    const mine = all.filter((c) => appKey(c.labels[Labels.app] ?? '') === appKey(app));
    if (mine.length === 0) throw new Refusal('AppNotFound', `application ${app} has no container on node ${this.config.NODE_ID}`);
    return mine.sort((a, b) => ((a.labels[Labels.component] ?? '') < (b.labels[Labels.component] ?? '') ? -1 : 1));
  }
}

function ref(c: ContainerSummary) {
  return { component: c.labels[Labels.component] ?? '', container: (c.names[0] ?? c.id).replace(/^\//, '') };
}
