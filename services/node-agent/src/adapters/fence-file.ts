import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FenceFile } from '../domain/fence-watchdog';

/**
 * The files an agent and its fence watchdog share under `DATA_DIR/fence/`: the lease file (the agent
 * writes, the watchdog reads), the watchdog's pid file and its log. Light on purpose (no Nest, no
 * service-kit): the watchdog process loads it too.
 */
export function fencePaths(dataDir: string) {
  const dir = join(dataDir, 'fence');
  return { dir, leases: join(dir, 'leases.json'), pid: join(dir, 'watchdog.pid'), log: join(dir, 'watchdog.log') };
}

/** Milliseconds of CLOCK_MONOTONIC (libuv's hrtime): the same clock in every process of the machine. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** This boot of the machine (`/proc/sys/kernel/random/boot_id`); empty where the kernel does not tell. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Writes the lease file atomically (temp file + rename): the watchdog never reads half of it. */
export function writeFenceFile(dataDir: string, file: FenceFile): void {
  const p = fencePaths(dataDir);
  mkdirSync(p.dir, { recursive: true });
  const tmp = `${p.leases}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(FenceFile.parse(file)));
  renameSync(tmp, p.leases);
}

export type FenceFileRead = { kind: 'ok'; file: FenceFile } | { kind: 'missing' } | { kind: 'invalid'; error: string };

/** Reads and validates the lease file; an invalid one is reported with what was wrong, never trusted. */
export function readFenceFile(dataDir: string): FenceFileRead {
  const path = fencePaths(dataDir).leases;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', error: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', error: `${path} is not JSON` };
  }
  const parsed = FenceFile.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', error: `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  return { kind: 'ok', file: parsed.data };
}

export function isAlivePid(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A zombie answers kill 0 too; its state in /proc tells.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pid in the pid file if that process is alive and is a fence watchdog for `dataDir`; else null. */
export function runningWatchdog(dataDir: string): number | null {
  const p = fencePaths(dataDir);
  if (!existsSync(p.pid)) return null;
  const pid = Number(readFileSync(p.pid, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlivePid(pid)) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => a.endsWith('fence-watchdog/main.js')) && cmdline.includes(dataDir) ? pid : null;
  } catch {
    return null;
  }
}
