import { sendCommand } from './unix-socket';
import { parseServersState, parseServerStats, parseShowInfo, parseShowProc, ProcInfo, ServerStat, ServerState } from './haproxy-output';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
}

export class ReloadError extends Error {
  override readonly name = 'ReloadError';
}

export interface RuntimeSockets {
  /** Worker CLI (`stats socket … level admin`): runtime API. */
  admin: string;
  /** Master CLI (`-S`): `reload`, `show proc`. */
  master: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The HAProxy 2.6 CLI, over Node's `net` (one short connection per command). Runtime commands
 * answer with free text, so each mutating command is checked against the reply it must give.
 */
export class HaproxyRuntime {
  constructor(private readonly sockets: RuntimeSockets, private readonly timeoutMs = 2000) {}

  admin(command: string): Promise<string> {
    return sendCommand(this.sockets.admin, command, this.timeoutMs);
  }

  master(command: string): Promise<string> {
    return sendCommand(this.sockets.master, command, this.timeoutMs);
  }

  async info(): Promise<Record<string, string>> {
    const info = parseShowInfo(await this.admin('show info'));
    if (!info.Pid) throw new RuntimeError('show info: no Pid in the reply');
    return info;
  }

  async proc(): Promise<ProcInfo> {
    return parseShowProc(await this.master('show proc'));
  }

  async serversState(backend?: string): Promise<ServerState[]> {
    return parseServersState(await this.admin(backend ? `show servers state ${backend}` : 'show servers state'));
  }

  /** Raw `show servers state`, for the server-state file HAProxy reads at the next start. */
  async serversStateDump(): Promise<string> {
    return this.admin('show servers state');
  }

  /**
   * Adds a server that gets traffic only once its health check passed. 2.6 creates dynamic servers
   * in maintenance, and leaving maintenance counts a checked server as up at once ("start OK, check
   * immediately"), so: out of maintenance into drain (no new requests), forced down, checks on, then
   * ready: it stays down, without traffic, until the first check succeeds (`rise 1`). Without checks
   * it is simply enabled. Then the backend's sticky cookies are derived again, the new server's too.
   */
  async addServer(backend: string, spec: string, withChecks: boolean): Promise<void> {
    const name = spec.split(' ')[0]!;
    await this.expect(`add server ${backend}/${spec}`, /New server registered/);
    await this.enableChecked(backend, name, withChecks);
  }

  /** Puts a retired or draining server back into rotation, behind its health check like a new one. */
  async restoreServer(backend: string, name: string, withChecks: boolean): Promise<void> {
    await this.enableChecked(backend, name, withChecks);
  }

  private async enableChecked(backend: string, name: string, withChecks: boolean): Promise<void> {
    const server = `${backend}/${name}`;
    if (withChecks) {
      await this.expect(`set server ${server} state drain`, /^\s*$/);
      await this.expect(`set server ${server} health down`, /^\s*$/);
      await this.expect(`enable health ${server}`, /^\s*$/);
      await this.expect(`set server ${server} state ready`, /^\s*$/);
    } else {
      await this.expect(`enable server ${server}`, /^\s*$/);
    }
    // Recomputes every server's dynamic cookie (a runtime-added server has none until then); a
    // backend without `cookie … dynamic` answers that it has none, which is fine.
    await this.admin(`enable dynamic-cookie backend ${backend}`);
  }

  /** Drain: no new requests (sticky clients included only while it is up), those in flight finish. */
  async drainServer(backend: string, name: string): Promise<void> {
    await this.expect(`set server ${backend}/${name} state drain`, /^\s*$/);
  }

  /**
   * Takes a server out of rotation for good: maintenance, then any streams left are cut (a drained
   * server has none, unless its grace ran out). Deleting it is a separate step because HAProxy refuses
   * while idle pooled connections to it remain ("Server still has connections attached to it").
   */
  async retireServer(backend: string, name: string): Promise<void> {
    await this.expect(`set server ${backend}/${name} state maint`, /^\s*$/);
    await this.expect(`shutdown sessions server ${backend}/${name}`, /^\s*$/);
  }

  /** Deletes a retired server: true when gone, false while connections still hold it. */
  async deleteServer(backend: string, name: string): Promise<boolean> {
    const text = await this.admin(`del server ${backend}/${name}`);
    if (/Server deleted|No such server/i.test(text)) return true;
    if (/still has connections|has streams/i.test(text)) return false;
    throw new RuntimeError(`'del server ${backend}/${name}' answered ${JSON.stringify(text.trim())}`);
  }

  /** Per server: status (`UP`, `DOWN`, `DRAIN`, `MAINT`, `UP 1/2`…) and current sessions, from `show stat`. */
  async serverStats(): Promise<ServerStat[]> {
    return parseServerStats(await this.admin('show stat -1 4 -1'));
  }

  private async expect(command: string, reply: RegExp): Promise<string> {
    const text = await this.admin(command);
    if (!reply.test(text)) throw new RuntimeError(`'${command}' answered ${JSON.stringify(text.trim())}`);
    return text;
  }

  /**
   * Hitless reload through the master, confirmed. 2.6 answers `reload` with nothing even when it
   * fails, so the outcome is read from `show proc`: the master's reload counter moves, `failed` is 0
   * and a new worker (0 reloads) exists. Then we wait until the admin socket is answered by that
   * worker: for ~40 ms after a reload the old one still answers, and runtime commands sent to it
   * would be lost with it.
   */
  async reload(timeoutMs = 10_000): Promise<{ workerPid: number }> {
    const before = await this.proc();
    const deadline = Date.now() + timeoutMs;
    // The master re-executes itself and drops the connection: the reply (if any) means nothing.
    await this.master('reload').catch(() => undefined);
    let worker: number | undefined;
    while (worker === undefined) {
      if (Date.now() > deadline) throw new ReloadError(`no new worker after reload within ${timeoutMs} ms`);
      const now = await this.proc().catch(() => undefined); // the master socket is briefly gone while it re-execs
      if (now && now.reloads > before.reloads) {
        if (now.failed > 0) throw new ReloadError(`HAProxy refused the reload (failed: ${now.failed}); the previous worker keeps serving`);
        const fresh = now.workers.find((w) => w.reloads === 0 && !before.workers.some((b) => b.pid === w.pid));
        if (fresh) worker = fresh.pid;
      }
      if (worker === undefined) await sleep(5);
    }
    for (;;) {
      const pid = await this.info().then((i) => Number(i.Pid)).catch(() => undefined);
      if (pid === worker) return { workerPid: worker };
      if (Date.now() > deadline) throw new ReloadError(`admin socket still answered by pid ${pid ?? '?'}, not the new worker ${worker}`);
      await sleep(5);
    }
  }
}
