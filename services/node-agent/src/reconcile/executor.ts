import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ComponentRun } from '@fluxplane/contracts';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { CONTAINER_RUNTIME, RuntimeError, type ContainerRuntime, type ContainerSpec, type PullAuth } from '../adapters/container-runtime';
import { NO_REGISTRY_AUTH, REGISTRY_AUTH, type RegistryAuthSource } from '../adapters/registry-auth';
import { registryServerAddress } from '../domain/registry-address';
import { containerSpec, type NodeIdentity } from '../domain/container-spec';
import { actionApp, isFenced, type Action } from '../domain/reconciler';
import type { ActualContainer, DesiredInstance } from '../domain/model';
import { appKey } from '../domain/naming';
import type { Failure } from '../domain/report';
import type { DesiredState } from '../projections/desired-state.reader';
import { START_GATE, type StartGate } from './start-gate';
import { VolumeKeeper } from './volume-keeper';
import { agentMetrics } from '../metrics';
import { PullTracker } from '../domain/pull-progress';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** Seconds a container gets to exit on SIGTERM before Docker kills it. */
const STOP_TIMEOUT_SEC = 10;
/**
 * The same for a fenced `g:` component (this node is no longer the master, or its lease lapsed):
 * short, because another node may start the component once the old lease has certainly expired.
 */
export const FENCE_STOP_TIMEOUT_SEC = 2;
/** A pull in progress is logged this often. */
const PULL_LOG_EVERY_MS = 3000;
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
    @Inject(NODE_AGENT_CONFIG) private readonly config: NodeAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly volumes: VolumeKeeper,
    @Inject(START_GATE) private readonly gate: StartGate,
    @Optional() @Inject(REGISTRY_AUTH) private readonly registryAuth: RegistryAuthSource = NO_REGISTRY_AUTH,
  ) {
    this.node = { nodeId: config.NODE_ID, nodeIp: config.NODE_IP, registryMirror: config.REGISTRY_MIRROR };
  }

  /** Returns the failures of starts and replacements by app key. `desired` gives each app's components (mounts refer to siblings). */
  async execute(actions: readonly Action[], desired: readonly DesiredInstance[]): Promise<Map<string, Failure>> {
    const instances = new Map(desired.map((d) => [appKey(d.app), d]));
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
          await this.run(a, instances.get(app)?.components ?? [a.component]);
        } catch (err) {
          errors.push(`${a.component.name}: ${errorText(err)}`);
        }
      }
      if (errors.length > 0) failures.set(app, { specHash, error: errors.join('; ') });
    });
    return failures;
  }

  /**
   * Mounts the volumes of the `g:` components this node keeps stopped (`mayRun` false: a standby, or
   * before any master is elected). Their synced folder lives there and is shared only once mounted;
   * without it no node would ever report the folder in sync, so no master could be elected, and a
   * standby would hold no data to take over with. Failures are logged and retried next pass.
   */
  async prepareStandbyVolumes(desired: readonly DesiredInstance[], mayRun: (app: string, component: string) => boolean): Promise<void> {
    for (const d of desired) {
      for (const c of d.components) {
        if (!isFenced(c) || mayRun(d.app, c.name)) continue;
        await this.volumes.prepare(d.app, d.components, c).catch((err: unknown) => {
          this.logger.warn({ app: d.app, component: c.name, err: errorText(err) }, 'could not mount the volume of a standby g: component');
        });
      }
    }
  }

  /** Deletes the volumes of instances unscheduled from this node whose containers are gone. */
  async removeVolumesOfGone(state: DesiredState, actual: readonly ActualContainer[]): Promise<void> {
    await this.volumes.tidy(state, actual);
  }

  private async run(a: Action, components: readonly ComponentRun[] = []): Promise<void> {
    const log = this.logger.child({ app: a.app, action: a.kind, ...(a.kind !== 'start' ? { container: a.container.id.slice(0, 12), reason: a.kind === 'restart' ? 'crashed' : a.reason } : {}) });
    try {
      if (a.kind === 'remove') {
        await this.removeContainer(a.container.id, a.reason === 'fenced' ? FENCE_STOP_TIMEOUT_SEC : STOP_TIMEOUT_SEC);
      } else if (a.kind === 'restart') {
        // A g: component starts only through the gate (the master, with a valid lease), a restart too.
        if (isFenced(a.component)) {
          const gate = await this.gate.mayStart(a.app, a.component);
          if (!gate.ok) {
            log.debug({ component: a.component.name, reason: gate.reason }, 'restart held back by the start gate');
            agentMetrics.actions.inc({ kind: a.kind, outcome: 'held' });
            return;
          }
        }
        await this.runtime.start(a.container.id);
        log.info({ exitCode: a.container.exitCode }, 'crashed container restarted');
      } else {
        // Pull before removing the old container: if the new image is unavailable, the old one keeps serving.
        await this.ensureImage(containerSpec(this.node, a.app, a.specHash, a.component).image, a.app, a.component);
        // Volume ready, then the gate (sync may hold r:/g: data back), then the container over it.
        const volumes = await this.volumes.prepare(a.app, components, a.component);
        const gate = await this.gate.mayStart(a.app, a.component);
        if (!gate.ok) {
          log.debug({ component: a.component.name, reason: gate.reason }, 'start held back by the start gate');
          agentMetrics.actions.inc({ kind: a.kind, outcome: 'held' });
          return;
        }
        const spec = containerSpec(this.node, a.app, a.specHash, a.component, volumes.binds);
        if (a.kind === 'replace') await this.removeContainer(a.container.id);
        await this.volumes.assertMounted(volumes);
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
      if (a.kind === 'remove') log.info(a.reason === 'fenced' ? 'g: container removed: this node may not run it (fenced)' : 'container removed');
    } catch (err) {
      agentMetrics.actions.inc({ kind: a.kind, outcome: 'failed' });
      log.warn({ err: errorText(err) }, 'container action failed');
      throw err;
    }
  }

  private async removeContainer(id: string, stopTimeoutSec = STOP_TIMEOUT_SEC): Promise<void> {
    await this.runtime.stop(id, stopTimeoutSec);
    await this.runtime.remove(id);
  }

  private async ensureImage(image: string, app: string, component: ComponentRun): Promise<void> {
    const tracker = new PullTracker();
    const started = Date.now();
    let loggedAt = started;
    agentMetrics.pullsInProgress.inc();
    try {
      const auth = component.privateImage ? await this.pullAuth(image, app, component.name) : undefined;
      await this.runtime.pull(image, (p) => {
        tracker.add(p);
        // One line every few seconds, not one per layer event: a big pull says how far it is.
        if (Date.now() - loggedAt >= PULL_LOG_EVERY_MS) {
          loggedAt = Date.now();
          this.logger.info({ image, ...tracker.state() }, 'pulling');
        }
      }, auth);
      const s = tracker.state();
      agentMetrics.pulls.observe({ outcome: 'ok' }, (Date.now() - started) / 1000);
      agentMetrics.pullBytes.inc(s.downloadedBytes);
      this.logger.info({ image, ...s, seconds: (Date.now() - started) / 1000 }, 'pulled');
    } catch (err) {
      agentMetrics.pulls.observe({ outcome: 'failed' }, (Date.now() - started) / 1000);
      // The mirror may be down while the image is already here: run what we have.
      if (await this.runtime.hasImage(image).catch(() => false)) {
        this.logger.warn({ image, err: errorText(err) }, 'pull failed; using the local image');
        return;
      }
      throw err;
    } finally {
      agentMetrics.pullsInProgress.dec();
    }
  }

  /**
   * A private image's credentials, asked for at each pull (never kept, never logged). A refusal or an
   * unreachable registry fails the pull; the caller still runs a local copy of the image if there is one.
   */
  private async pullAuth(image: string, app: string, component: string): Promise<PullAuth | undefined> {
    let credentials;
    try {
      credentials = await this.registryAuth.credentials(app, component);
    } catch (err) {
      throw new Error(`registry credentials for ${image} (component ${component}) not given: ${errorText(err)}`, { cause: err });
    }
    return credentials ? { username: credentials.username, password: credentials.password, serveraddress: registryServerAddress(image) } : undefined;
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
