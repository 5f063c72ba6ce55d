import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fencePaths, runningWatchdog } from '../adapters/fence-file';

export interface WatchdogLaunch {
  nodeId: string;
  dataDir: string;
  dockerSocket: string;
  logLevel: string;
  intervalMs: number;
  stopTimeoutSec: number;
}

/** The built watchdog script: beside this file in dist, or the package's dist when run from src (tests). */
export function watchdogScript(): string {
  const beside = join(__dirname, 'main.js');
  return existsSync(beside) ? beside : join(__dirname, '..', '..', 'dist', 'fence-watchdog', 'main.js');
}

/**
 * Makes sure the node's fence watchdog runs: reuses the one named by its pid file when it is alive
 * (an agent restart does not start a second), else starts it detached (its own session, output to
 * `DATA_DIR/fence/watchdog.log`) so that it outlives this agent. Returns its pid and whether it was
 * started now.
 */
export function ensureFenceWatchdog(o: WatchdogLaunch): { pid: number; started: boolean } {
  const running = runningWatchdog(o.dataDir);
  if (running !== null) return { pid: running, started: false };
  const paths = fencePaths(o.dataDir);
  mkdirSync(paths.dir, { recursive: true });
  const script = watchdogScript();
  if (!existsSync(script)) throw new Error(`the fence watchdog is not built (${script}): run npm run build`);
  const fd = openSync(paths.log, 'a');
  try {
    const child = spawn(process.execPath, [script, o.dataDir], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ID: o.nodeId,
        DOCKER_SOCKET: o.dockerSocket,
        AGENT_PID: String(process.pid),
        LOG_LEVEL: o.logLevel,
        FENCE_WATCHDOG_INTERVAL_MS: String(o.intervalMs),
        FENCE_STOP_TIMEOUT_SEC: String(o.stopTimeoutSec),
      },
    });
    child.unref();
    return { pid: child.pid!, started: true };
  } finally {
    closeSync(fd);
  }
}
