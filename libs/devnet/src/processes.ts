import { spawn, ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessSpec {
  name: string;
  /** A script relative to the repo root, run with the current `node`. */
  script: string;
  args?: string[];
  env: Record<string, string>;
  /**
   * A command the process is run under, e.g. `['nsenter', '--net=/run/netns/x']` for a node in a
   * network namespace of its own. It must exec the process (same pid), as nsenter does.
   */
  prefix?: string[];
}

export interface ProcessGroupOptions {
  root: string;
  logDir: string;
  /** Detached processes outlive the launcher (the devnet); attached ones die with it (tests). */
  detached: boolean;
  pidDir?: string;
}

export interface Launched {
  name: string;
  pid: number;
  log: string;
  child?: ChildProcess;
}

/**
 * The Node flags a service runs with: `nodeFlags` in the package.json of the service a script
 * belongs to (`services/<name>/dist/main.js` → `services/<name>/package.json`), the one place they
 * are written (the scheduler's memory settings); the container image reads the same field.
 */
export function nodeFlagsOf(root: string, script: string): string[] {
  const m = /^(services|apps)\/([^/]+)\//.exec(script);
  if (!m) return [];
  const pkg = join(root, m[1]!, m[2]!, 'package.json');
  if (!existsSync(pkg)) return [];
  const flags = (JSON.parse(readFileSync(pkg, 'utf8')) as { nodeFlags?: unknown }).nodeFlags;
  if (flags === undefined) return [];
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string' && f.startsWith('--'))) throw new Error(`${pkg}: nodeFlags must be a list of --flags`);
  return flags as string[];
}

/**
 * Starts the services as plain Node processes, each logging to its own file. Detached groups write
 * pid files, so a later `down` (another process) can stop them.
 */
export class ProcessGroup {
  readonly launched: Launched[] = [];

  constructor(private readonly opts: ProcessGroupOptions) {
    mkdirSync(opts.logDir, { recursive: true });
    if (opts.pidDir) mkdirSync(opts.pidDir, { recursive: true });
  }

  start(spec: ProcessSpec): Launched {
    const log = join(this.opts.logDir, `${spec.name}.log`);
    const fd = openSync(log, 'a');
    const argv = [process.execPath, ...nodeFlagsOf(this.opts.root, spec.script), join(this.opts.root, spec.script), ...(spec.args ?? [])];
    const [cmd, ...args] = [...(spec.prefix ?? []), ...argv];
    const child = spawn(cmd!, args, {
      cwd: this.opts.root,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', fd, fd],
      detached: this.opts.detached,
    });
    closeSync(fd);
    if (this.opts.detached) child.unref();
    if (this.opts.pidDir) writeFileSync(join(this.opts.pidDir, `${spec.name}.pid`), `${child.pid}\n`);
    const l: Launched = { name: spec.name, pid: child.pid!, log, child: this.opts.detached ? undefined : child };
    this.launched.push(l);
    return l;
  }

  /** SIGTERM (graceful shutdown), then SIGKILL after the deadline. */
  async stopAll(deadlineMs = 8000): Promise<void> {
    await Promise.all([...this.launched].reverse().map((l) => stopPid(l.pid, deadlineMs)));
    this.launched.length = 0;
  }

  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const l = this.launched.find((x) => x.name === name);
    if (!l) return;
    if (signal === 'SIGKILL') {
      try { process.kill(l.pid, 'SIGKILL'); } catch { /* already gone */ }
    } else {
      await stopPid(l.pid, 8000);
    }
    this.launched.splice(this.launched.indexOf(l), 1);
  }

  /** The last lines of a process's log, for error messages. */
  tail(name: string, lines = 30): string {
    const l = this.launched.find((x) => x.name === name);
    if (!l || !existsSync(l.log)) return '';
    return readFileSync(l.log, 'utf8').split('\n').slice(-lines).join('\n');
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill 0; its state in /proc tells.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export async function stopPid(pid: number, deadlineMs = 8000): Promise<void> {
  if (!isAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const until = Date.now() + deadlineMs;
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** Reads `<pidDir>/<name>.pid` files: the devnet's running processes. */
export function readPidFiles(pidDir: string): Array<{ name: string; pid: number }> {
  if (!existsSync(pidDir)) return [];
  return readdirSync(pidDir).filter((f) => f.endsWith('.pid')).map((f) => ({
    name: f.replace(/\.pid$/, ''),
    pid: Number(readFileSync(join(pidDir, f), 'utf8').trim()),
  }));
}

export function removePidFile(pidDir: string, name: string): void {
  rmSync(join(pidDir, `${name}.pid`), { force: true });
}
