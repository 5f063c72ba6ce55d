import { unlink } from 'node:fs/promises';
import { errorText } from '@fluxplane/service-kit';
import { DEFAULT_BACKEND, renderConfig, RenderedConfig, RenderSettings, serverSpec } from '../domain/render-config';
import { planApply, runtimeSteps, ServerChanges } from '../domain/route-plan';
import type { RouteTable } from '../domain/route-table';
import { initRoutingMetrics, routingMetrics } from '../reconcile/metrics';
import { readIfExists, writeFileAtomic } from './atomic-file';
import { checkConfig } from './config-check';
import { serverStateForReload } from './haproxy-output';
import { HaproxyRuntime } from './haproxy-runtime';
import type { ApplyResult, LiveServer, ProxyAdapter } from './proxy-adapter';

/** `srv_admin_state` bits that mean "in maintenance": forced, inherited, config, resolution, hostname. */
const MAINT_MASK = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/** `srv_admin_state` bits of drain (forced, inherited). */
const DRAIN_MASK = 0x08 | 0x10;
/** A new server is polled this long for its first passing check (then the periodic resync takes over). */
const CHECK_WATCH_MS = 30_000;
/** How soon to look again while a server drains or waits for its first check. */
const WATCH_RETRY_MS = 100;

export interface HaproxySettings extends RenderSettings {
  configPath: string;
  masterSocket: string;
  bin: string;
  /** Longest a removed server drains before its streams are cut (default 10 s). */
  drainGraceMs?: number;
}

interface AdapterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Applies route tables to an HAProxy 2.6 in master-worker mode.
 *
 * The config file and map file are always the full truth (written atomically after `haproxy -c`
 * accepted them), so any reload or restart yields the current routes. Then:
 * - server-set changes go through the runtime API (add/enable/disable/del server), no reload, and
 *   the files are written right after, so a later reload keeps them;
 * - shape changes (backends, hosts) and any runtime failure go through a confirmed hitless reload,
 *   after the files are written.
 *
 * `current` is what HAProxy is known to run. It starts unknown: the first apply adopts the running
 * state if files and live servers already match, and reloads otherwise.
 */
export class HaproxyAdapter implements ProxyAdapter {
  readonly runtime: HaproxyRuntime;
  private current?: { table: RouteTable; rendered: RenderedConfig };
  /** Servers taken out of rotation at runtime and not deleted yet: `backend/name`. */
  private readonly retired = new Set<string>();
  /** Servers draining (removed from the routes, requests in flight finishing): `backend/name` → since (ms). */
  private readonly draining = new Map<string, number>();
  /** Retired servers whose drain grace ran out with requests still in flight. */
  private readonly cut = new Set<string>();
  /** Servers put in at runtime, waiting for their first passing check: `backend/name` → since (ms). */
  private readonly checking = new Map<string, number>();

  constructor(private readonly settings: HaproxySettings, private readonly log: AdapterLogger) {
    this.runtime = new HaproxyRuntime({ admin: settings.adminSocket, master: settings.masterSocket });
    initRoutingMetrics(); // exported at 0 from the start, not only after the first reload
  }

  async ping(): Promise<void> {
    await this.runtime.info();
  }

  forget(): void {
    this.current = undefined;
    this.retired.clear();
    this.draining.clear();
    this.cut.clear();
    this.checking.clear();
  }

  async apply(table: RouteTable, opts: { verify?: boolean } = {}): Promise<ApplyResult> {
    const result = await this.applyTable(table, opts);
    await this.progressDrains();
    await this.deleteRetired();
    if (this.draining.size > 0 || this.checking.size > 0) return { ...result, pending: true, retryInMs: WATCH_RETRY_MS };
    return this.retired.size > 0 ? { ...result, pending: true } : result;
  }

  /**
   * What each server of the routes (and each one still draining or retired) does now: `serving` =
   * in rotation and its health check up; `carrying` = it may still get or hold requests (serving, or
   * draining with streams and grace left). Servers put in at runtime stop being watched once up.
   */
  async liveServers(): Promise<Map<string, LiveServer>> {
    const stats = await this.runtime.serverStats();
    const out = new Map<string, LiveServer>();
    const now = Date.now();
    for (const st of stats) {
      const key = `${st.backend}/${st.name}`;
      if (this.retired.has(key)) { out.set(key, { serving: false, carrying: false, cut: this.cut.has(key) }); continue; }
      if (this.draining.has(key)) { out.set(key, { serving: false, carrying: true }); continue; }
      const serving = /^UP\b/.test(st.status) || st.status === 'no check';
      if (serving || now - (this.checking.get(key) ?? now) > CHECK_WATCH_MS) this.checking.delete(key);
      out.set(key, { serving, carrying: serving });
    }
    for (const key of this.cut) if (!out.has(key)) out.set(key, { serving: false, carrying: false, cut: true });
    return out;
  }

  /**
   * Moves draining servers on: once no stream is left on one (or its grace ran out, cutting the
   * rest), it goes to maintenance and is retired (deleted as soon as HAProxy lets go of it).
   */
  private async progressDrains(): Promise<void> {
    if (this.draining.size === 0) return;
    const sessions = new Map((await this.runtime.serverStats()).map((s) => [`${s.backend}/${s.name}`, s.sessions]));
    const grace = this.settings.drainGraceMs ?? 10_000;
    for (const [key, since] of [...this.draining]) {
      const left = sessions.get(key) ?? 0;
      const overdue = Date.now() - since >= grace;
      if (left > 0 && !overdue) continue;
      const [backend, name] = key.split('/') as [string, string];
      if (sessions.has(key)) await this.runtime.retireServer(backend, name);
      this.draining.delete(key);
      this.retired.add(key);
      if (left > 0) {
        this.cut.add(key);
        this.log.warn({ server: key, streams: left, graceMs: grace }, 'drain grace ran out: streams cut');
      } else {
        this.cut.delete(key);
      }
    }
  }

  private async applyTable(table: RouteTable, opts: { verify?: boolean }): Promise<ApplyResult> {
    const rendered = renderConfig(table, this.settings);
    if (!this.current) await this.adopt(table, rendered);
    const unchanged = this.current && this.current.rendered.config === rendered.config && this.current.rendered.map === rendered.map;
    if (unchanged && !opts.verify) return { method: 'none' };
    if (unchanged && (await this.liveMatches(table))) return { method: 'none' };

    const plan = unchanged ? { kind: 'reload' as const, reason: 'live state drifted from the config' } : planApply(this.current?.table, table);
    if (plan.kind === 'none') {
      // Text changed but no routable difference (cannot happen with fixed settings): just write it.
      await this.writeChecked(rendered);
      this.current = { table, rendered };
      return { method: 'none' };
    }
    let reason = plan.kind === 'reload' ? plan.reason : '';
    if (plan.kind === 'runtime') {
      // Runtime first: traffic follows in about a millisecond. The files follow (checked), so any
      // later reload or restart keeps these servers; until they are written, `current` is unknown.
      let runtimeOk = false;
      this.current = undefined;
      try {
        await this.applyRuntime(plan.changes, new Set(table.backends.filter((b) => b.exclusive).map((b) => b.name)));
        runtimeOk = true;
      } catch (err) {
        routingMetrics.runtimeFallbacks.inc();
        reason = `runtime API failed: ${errorText(err)}`;
        this.log.warn({ err: reason }, 'runtime apply failed; reloading instead');
      }
      await this.writeChecked(rendered);
      if (runtimeOk) {
        this.current = { table, rendered };
        // A restart (not a reload) of HAProxy loads server states from this file: keep it current,
        // or a server taken out and later put back at runtime would come back in maintenance.
        await this.saveServerState(table);
        routingMetrics.runtimeApplies.inc();
        return { method: 'runtime' };
      }
    } else {
      await this.writeChecked(rendered);
    }
    this.current = undefined; // until the reload is confirmed, nothing is known
    await this.reload(table);
    // The new worker only has the servers of the config: whatever still drained is gone (cut).
    for (const key of this.draining.keys()) this.cut.add(key);
    this.draining.clear();
    this.retired.clear();
    this.checking.clear();
    this.current = { table, rendered };
    return { method: 'reload', reason };
  }

  /** Adopts the running state after a restart of this service, so it does not reload for nothing. */
  private async adopt(table: RouteTable, rendered: RenderedConfig): Promise<void> {
    const [config, map] = await Promise.all([readIfExists(this.settings.configPath), readIfExists(this.settings.mapPath)]);
    if (config !== rendered.config || map !== rendered.map) return;
    if (await this.liveMatches(table).catch(() => false)) {
      this.current = { table, rendered };
      this.log.info({ backends: table.backends.length }, 'HAProxy already runs the current routes');
    }
  }

  /** Backends, their server names and that those are in rotation, as the running worker has them (retired ones left aside). */
  private async liveMatches(table: RouteTable): Promise<boolean> {
    const backends = (await this.runtime.admin('show backend')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const wanted = [DEFAULT_BACKEND, ...table.backends.map((b) => b.name)].sort();
    if (backends.sort().join(',') !== wanted.join(',')) return false;
    const live = (await this.runtime.serversState()).filter((s) => !this.retired.has(`${s.backend}/${s.name}`) && !this.draining.has(`${s.backend}/${s.name}`));
    for (const backend of table.backends) {
      const servers = live.filter((s) => s.backend === backend.name);
      if (servers.map((s) => s.name).sort().join(',') !== backend.servers.map((s) => s.name).sort().join(',')) return false;
      // A routed server held out of rotation (left in drain or maintenance) is drift too.
      if (servers.some((s) => (s.adminState & (MAINT_MASK | DRAIN_MASK)) !== 0)) return false;
    }
    return true;
  }

  /**
   * Checks the new config against the new map before either replaces the live files: the check copy
   * differs only in the map path it references. Map first, then config, each by rename.
   */
  private async writeChecked(rendered: RenderedConfig): Promise<void> {
    const { configPath, mapPath } = this.settings;
    const checkMap = `${mapPath}.check`;
    const checkConfigPath = `${configPath}.check`;
    try {
      await writeFileAtomic(checkMap, rendered.map);
      const checkText = rendered.config.split(`map(${mapPath})`).join(`map(${checkMap})`);
      await writeFileAtomic(checkConfigPath, checkText);
      await checkConfig(this.settings.bin, checkConfigPath);
    } finally {
      await Promise.all([unlink(checkMap).catch(() => undefined), unlink(checkConfigPath).catch(() => undefined)]);
    }
    await writeFileAtomic(mapPath, rendered.map);
    await writeFileAtomic(configPath, rendered.config);
  }

  /**
   * In `runtimeSteps` order: every removal (in every backend) before any addition, so a dead server
   * never gets new requests and a moved `g:` master is never served twice (its old server is cut at
   * once, not drained); then read back. A removed server drains (see progressDrains), then is retired and deleted as soon as HAProxy lets go of it;
   * one that comes back before that is put back into rotation behind its health check, like a new one.
   */
  private async applyRuntime(changes: ServerChanges[], exclusive: ReadonlySet<string>): Promise<void> {
    const withChecks = /\bcheck\b/.test(this.settings.serverOptions);
    for (const step of runtimeSteps(changes)) {
      if (step.op === 'disable') {
        const key = `${step.backend}/${step.name}`;
        this.checking.delete(key);
        if (exclusive.has(step.backend)) {
          // A g: app's old master: out at once, streams cut (never two masters served, sticky or not).
          await this.runtime.retireServer(step.backend, step.name);
          this.retired.add(key);
        } else {
          await this.runtime.drainServer(step.backend, step.name);
          this.draining.set(key, Date.now());
        }
        continue;
      }
      const key = `${step.backend}/${step.server.name}`;
      if (this.retired.has(key) || this.draining.has(key)) {
        await this.runtime.restoreServer(step.backend, step.server.name, withChecks);
        this.retired.delete(key);
        this.draining.delete(key);
        this.cut.delete(key);
      } else {
        await this.runtime.addServer(step.backend, serverSpec(step.server, this.settings.serverOptions), withChecks);
      }
      if (withChecks) this.checking.set(key, Date.now());
    }
    for (const change of changes) {
      const live = new Map((await this.runtime.serversState(change.backend)).map((s) => [s.name, s]));
      const inRotation = (name: string) => live.has(name) && (live.get(name)!.adminState & (MAINT_MASK | DRAIN_MASK)) === 0;
      const still = change.remove.filter(inRotation);
      const missing = change.add.filter((s) => !inRotation(s.name)).map((s) => s.name);
      if (still.length || missing.length) throw new Error(`${change.backend}: still routes ${still.join(',') || '-'}, lacks ${missing.join(',') || '-'}`);
    }
  }

  /** Deletes retired servers HAProxy has let go of; the others are retried on the next apply. */
  private async deleteRetired(): Promise<void> {
    for (const key of [...this.retired]) {
      const [backend, name] = key.split('/') as [string, string];
      const gone = await this.runtime.deleteServer(backend, name).catch((err) => {
        this.log.warn({ server: key, err: errorText(err) }, 'could not delete a retired server');
        return false;
      });
      if (gone) this.retired.delete(key); // `cut` stays: the applier still has to say so
    }
  }

  /**
   * Writes the running servers' states where HAProxy reads them at start: their health, and for
   * servers the routes no longer hold, their maintenance. Servers of `routed` start ready.
   */
  private async saveServerState(routed: RouteTable): Promise<void> {
    const state = await this.runtime.serversStateDump().catch(() => undefined);
    if (!state || !/^1\n/.test(state)) return;
    const names = new Set(routed.backends.flatMap((b) => b.servers.map((s) => `${b.name}/${s.name}`)));
    await writeFileAtomic(this.settings.stateFile, serverStateForReload(state, names));
  }

  /** Saves server states for the new worker, then a confirmed reload. */
  private async reload(table: RouteTable): Promise<void> {
    try {
      await this.saveServerState(table);
      const { workerPid } = await this.runtime.reload();
      routingMetrics.reloads.inc();
      this.log.info({ workerPid }, 'HAProxy reloaded');
    } catch (err) {
      routingMetrics.reloadsFailed.inc();
      throw err;
    }
  }
}
