import { Inject, Injectable } from '@nestjs/common';
import type { ComponentRun } from '@fluxplane/contracts';
import { errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import { DataSync } from './data-sync';
import type { StartGate } from './start-gate';
import { MasterFencing } from './master-fencing';

/**
 * The StartGate of a node that syncs data: `s:` and unsynced components start at once; `r:`
 * components only once their folder has caught up (`DataSync.readiness`, the rule in
 * domain/sync-gate.ts). A Syncthing that does not answer holds them back (never starts them on
 * unknown data); the next pass asks again.
 *
 * `g:` components start only on the master of the current term with a valid lease
 * (`MasterFencing.mayRun`), and only after their folder flipped to send-receive (`DataSync.promote`);
 * on every other node they stay stopped.
 */
@Injectable()
export class SyncStartGate implements StartGate {
  /** Last reason logged per component, so a steady wait is logged once. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly sync: DataSync,
    private readonly fencing: MasterFencing,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async mayStart(app: string, component: ComponentRun): Promise<{ ok: true } | { ok: false; reason: string }> {
    const key = `${app}/${component.name}`;
    let d: Awaited<ReturnType<DataSync['readiness']>>;
    const fenced = component.data?.syncMode === 'g';
    try {
      if (fenced && !this.fencing.mayRun(app, component.name)) d = { ok: false, reason: `not the master with a valid lease (${this.fencing.role(app, component.name)})` };
      else d = fenced ? await this.sync.promote(app, component) : await this.sync.readiness(app, component);
    } catch (err) {
      d = { ok: false, reason: `cannot ask Syncthing: ${errorText(err)}` };
    }
    if (d.ok) {
      if (this.held.delete(key)) this.logger.info({ app, component: component.name, why: d.why }, 'synced data ready: component may start');
      return { ok: true };
    }
    if (this.held.get(key) !== d.reason) this.logger.info({ app, component: component.name, reason: d.reason }, 'component held back until its data is in sync');
    this.held.set(key, d.reason);
    return { ok: false, reason: d.reason };
  }
}
