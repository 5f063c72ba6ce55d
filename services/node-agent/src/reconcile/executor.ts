import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, RuntimeError, type ContainerRuntime, type ContainerSpec } from '../adapters/container-runtime';
import { containerSpec, type NodeIdentity } from '../domain/container-spec';
import { actionApp, type Action } from '../domain/reconciler';
import type { Failure } from '../domain/report';
import { agentMetrics } from '../metrics';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** Seconds a container gets to exit on SIGTERM before Docker kills it. */
const STOP_TIMEOUT_SEC = 10;
/** Apps handled at the same time; one slow pull must not hold up every other app. */
const PARALLEL_APPS = 4;

/**
 * Carries out a plan on the engine. Removals run first (they free host ports), then each app's
 * starts and replacements in order, apps side by side. Failures are collected per app, not thrown:
 * one broken instance must not stop the others.
 */
@Injectable()
export class ActionExecutor {
  private readonly node: NodeIdentity;

  constructor(
    @Inject(CONTAINER_RUNTIME) private readonly runtime: ContainerRuntime,
    @Inject(NODE_AGENT_CONFIG) config: NodeAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.node = { nodeId: config.NODE_ID, nodeIp: config.NODE_IP, registryMirror: config.REGISTRY_MIRROR };
  }

  /** Returns the failures of starts and replacements by app key. */
  async execute(actions: readonly Action[]): Promise<Map<string, Failure>> {
    const failures = new Map<string, Failure>();
    await forEachLimit(actions.filter((a) => a.kind === 'remove'), PARALLEL_APPS, (a) => this.run(a).catch(() => undefined));
    const byApp = new Map<string, Action[]>();
    for (const a of actions) if (a.kind !== 'remove') byApp.set(actionApp(a), [...(byApp.get(actionApp(a)) ?? []), a]);
    await forEachLimit([...byApp], PARALLEL_APPS, async ([app, appActions]) => {
      const errors: string[] = [];
      let specHash = '';
      for (const a of appActions) {
        if (a.kind === 'remove') continue;
        specHash = a.specHash;
        try {
          await this.run(a);
        } catch (err) {
          errors.push(`${a.component.name}: ${(err as Error).message}`);
        }
      }
      if (errors.length > 0) failures.set(app, { specHash, error: errors.join('; ') });
    });
    return failures;
  }

  private async run(a: Action): Promise<void> {
    const log = this.logger.child({ app: a.app, action: a.kind, ...(a.kind !== 'start' ? { container: a.container.id.slice(0, 12), reason: a.reason } : {}) });
    try {
      if (a.kind === 'remove') {
        await this.removeContainer(a.container.id);
      } else {
        const spec = containerSpec(this.node, a.app, a.specHash, a.component);
        // Pull before removing the old container: if the new image is unavailable, the old one keeps serving.
        await this.ensureImage(spec.image);
        if (a.kind === 'replace') await this.removeContainer(a.container.id);
        const id = await this.createFresh(spec);
        try {
          await this.runtime.start(id);
        } catch (err) {
          // A created-but-not-started container would hold its name; the next attempt starts clean.
          await this.runtime.remove(id).catch(() => undefined);
          throw err;
        }
        log.info({ container: id.slice(0, 12), name: spec.name, image: spec.image }, 'container started');
      }
      agentMetrics.actions.inc({ kind: a.kind, outcome: 'ok' });
      if (a.kind === 'remove') log.info('container removed');
    } catch (err) {
      agentMetrics.actions.inc({ kind: a.kind, outcome: 'failed' });
      log.warn({ err: (err as Error).message }, 'container action failed');
      throw err;
    }
  }

  private async removeContainer(id: string): Promise<void> {
    await this.runtime.stop(id, STOP_TIMEOUT_SEC);
    await this.runtime.remove(id);
  }

  private async ensureImage(image: string): Promise<void> {
    try {
      await this.runtime.pull(image, (p) => this.logger.trace({ image, ...p }, 'pull progress'));
    } catch (err) {
      // The mirror may be down while the image is already here: run what we have.
      if (await this.runtime.hasImage(image).catch(() => false)) {
        this.logger.warn({ image, err: (err as Error).message }, 'pull failed; using the local image');
        return;
      }
      throw err;
    }
  }

  /** Creates the container; a leftover with the same name (ours by its node suffix) is removed first. */
  private async createFresh(spec: ContainerSpec): Promise<string> {
    try {
      return await this.runtime.create(spec);
    } catch (err) {
      if (!(err instanceof RuntimeError) || err.status !== 409) throw err;
      this.logger.warn({ name: spec.name }, 'container name taken by a leftover; removing it');
      await this.runtime.remove(spec.name);
      return this.runtime.create(spec);
    }
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
