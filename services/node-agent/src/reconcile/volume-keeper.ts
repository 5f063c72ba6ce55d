import { Inject, Injectable } from '@nestjs/common';
import { basename, join } from 'node:path';
import type { ComponentRun } from '@fluxplane/contracts';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { VOLUME_MANAGER, VolumeError, type VolumeManager } from '../adapters/volume-manager';
import type { ActualContainer } from '../domain/model';
import { planMounts, volumeSizeBytes, type Bind, type VolumeNeed } from '../domain/mount-plan';
import { volumeLayout, type VolumeLayout } from '../domain/volume-layout';
import { folderOwner, volumesToRemove } from '../domain/volume-retention';
import type { DesiredState } from '../projections/desired-state.reader';
import { agentMetrics } from '../metrics';
import { NODE_AGENT_CONFIG } from '../tokens';
import type { NodeAgentConfig } from '../config';

/** The volumes a component's container is about to be created over. */
export interface PreparedVolumes {
  binds: Bind[];
  volumes: VolumeNeed[];
}

/**
 * Keeps the node's app data volumes: mounts what the node owns at start-up (after a reboot, before
 * any container is started), makes and mounts a component's volumes before its container is
 * created, and deletes the volumes of instances unscheduled from this node once their containers
 * are gone. Calls come from the one reconcile pass at a time (and start-up, before the loop starts),
 * so a volume is never worked on twice at once.
 */
@Injectable()
export class VolumeKeeper {
  private readonly dataDir: string;

  constructor(
    @Inject(VOLUME_MANAGER) private readonly manager: VolumeManager,
    @Inject(NODE_AGENT_CONFIG) config: NodeAgentConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.dataDir = config.DATA_DIR;
  }

  /**
   * Mounts every volume image of this node that is not mounted (a node reboot unmounts them all).
   * Docker refuses to start a container whose bind source is missing, so the containers it tried to
   * restart at boot failed rather than write to the root disk; the passes replace them now.
   */
  async mountOwned(): Promise<void> {
    for (const folderId of (await this.manager.listImages(join(this.dataDir, 'volumes'))).map((i) => basename(i, '.ext4'))) {
      const layout = this.layoutOf(folderId);
      if (!layout) continue;
      try {
        const { mounted } = await this.manager.ensure(layout, volumeSizeBytes(0));
        if (mounted) {
          agentMetrics.volumeOps.inc({ op: 'mount', outcome: 'ok' });
          this.logger.info({ volume: folderId, mountPoint: layout.mountPoint }, 'volume mounted at start-up');
        }
      } catch (err) {
        // One broken volume keeps its own containers from starting (their sources are missing), not the node.
        agentMetrics.volumeOps.inc({ op: 'mount', outcome: 'failed' });
        this.logger.error({ volume: folderId, err: errorText(err) }, 'could not mount a volume at start-up');
      }
    }
  }

  /**
   * The component's volumes (its own and those of siblings it mounts from) made, mounted and laid
   * out, and the binds of its container. Throws a `VolumeError` naming what failed, e.g. mounts that
   * did not parse.
   */
  async prepare(app: string, components: readonly ComponentRun[], component: ComponentRun): Promise<PreparedVolumes> {
    const result = planMounts(this.dataDir, app, components, components.findIndex((c) => c.name === component.name));
    if (!result.ok) throw new VolumeError(result.error);
    for (const v of result.plan.volumes) {
      try {
        const { created, mounted } = await this.manager.ensure(v.layout, v.sizeBytes);
        if (created) agentMetrics.volumeOps.inc({ op: 'create', outcome: 'ok' });
        if (mounted) agentMetrics.volumeOps.inc({ op: 'mount', outcome: 'ok' });
        if (created || mounted) this.logger.info({ app, volume: v.layout.folderId, sizeBytes: v.sizeBytes, created }, 'volume mounted');
      } catch (err) {
        agentMetrics.volumeOps.inc({ op: 'mount', outcome: 'failed' });
        throw new VolumeError(`volume ${v.layout.folderId}: ${errorText(err)}`);
      }
    }
    for (const p of result.plan.paths) await this.manager.ensurePath(p.path, p.isFile);
    return { binds: result.plan.binds, volumes: result.plan.volumes };
  }

  /** Throws unless every volume is still mounted: checked right before the container is created. */
  async assertMounted(prepared: PreparedVolumes): Promise<void> {
    for (const v of prepared.volumes) {
      if (!(await this.manager.isMounted(v.layout.mountPoint))) throw new VolumeError(`volume ${v.layout.folderId} is not mounted at ${v.layout.mountPoint}`);
    }
  }

  /**
   * After a pass: deletes the volumes of instances unscheduled from this node whose containers are
   * all gone (`volumesToRemove`), then refreshes the usage metrics of what is mounted. A volume that
   * cannot go now (still busy) is retried on the next pass.
   */
  async tidy(state: DesiredState, actual: readonly ActualContainer[]): Promise<void> {
    const images = (await this.manager.listImages(join(this.dataDir, 'volumes'))).map((i) => basename(i, '.ext4'));
    const mounted = (await this.manager.listMounted(join(this.dataDir, 'apps'))).map((m) => basename(m));
    const found = [...new Set([...images, ...mounted])];
    const gone = new Set(volumesToRemove(found, {
      desiredApps: state.desired.map((d) => d.app),
      unscheduledApps: state.unscheduled.map((u) => u.app),
      appsWithContainers: actual.map((c) => c.app),
    }));
    for (const folderId of gone) {
      const layout = this.layoutOf(folderId)!;
      try {
        await this.manager.remove(layout);
        agentMetrics.volumeOps.inc({ op: 'remove', outcome: 'ok' });
        this.logger.info({ volume: folderId }, 'volume of an unscheduled instance removed');
      } catch (err) {
        agentMetrics.volumeOps.inc({ op: 'remove', outcome: 'failed' });
        this.logger.warn({ volume: folderId, err: errorText(err) }, 'could not remove a volume; retried next pass');
      }
    }
    agentMetrics.volumeUsedBytes.reset();
    agentMetrics.volumeSizeBytes.reset();
    for (const folderId of mounted.filter((m) => !gone.has(m))) {
      const owner = folderOwner(folderId);
      if (!owner) continue;
      const usage = await this.manager.usage(join(this.dataDir, 'apps', folderId)).catch(() => undefined);
      if (!usage) continue;
      const labels = { app: owner.app, component: owner.component };
      agentMetrics.volumeUsedBytes.set(labels, usage.usedBytes);
      agentMetrics.volumeSizeBytes.set(labels, usage.sizeBytes);
    }
  }

  /** The layout of a folder id found on disk, or undefined when it is not a volume of ours. */
  private layoutOf(folderId: string): VolumeLayout | undefined {
    const owner = folderOwner(folderId);
    const layout = owner && volumeLayout(this.dataDir, owner.app, owner.component);
    return layout?.folderId === folderId ? layout : undefined;
  }
}
