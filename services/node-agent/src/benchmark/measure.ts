import { readFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { measureEps } from './eps';
import { measureDiskWrite, storageGb } from './disk';

/** What this node measured of itself, in FluxBench's units. */
export interface NodeMeasurement {
  /** unix ms when the measurement ended */
  at: number;
  /** logical CPUs this process may use */
  cores: number;
  /** physical cores (distinct core ids per socket in /proc/cpuinfo), else `cores` */
  realCores: number;
  /** GB of RAM */
  ramGb: number;
  /** GB of the filesystem holding DATA_DIR */
  storageGb: number;
  /** sequential write to DATA_DIR, MB/s */
  ddwriteMbps: number;
  /** CPU events per second, all cores */
  eps: number;
  architecture: string;
  /** where the disk figures were taken */
  dataDir: string;
}

export interface MeasureOptions {
  dataDir: string;
  cpuMs: number;
  maxPrime: number;
  diskMb: number;
  diskTimeoutMs: number;
}

/** Node's `process.arch` in the names FluxBench and Docker use. */
export function architectureName(arch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[arch] ?? arch;
}

/** Distinct (physical id, core id) pairs; null when /proc/cpuinfo does not say (then logical = real). */
export function physicalCores(cpuinfo: string): number | null {
  const pairs = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (core === undefined) continue;
    const socket = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1] ?? '0';
    pairs.add(`${socket}:${core}`);
  }
  return pairs.size > 0 ? pairs.size : null;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Measures this node: the disk test first, then the CPU test on every core (not at once: each would
 * slow the other). Ping and bandwidth are not measured (no internet here; see the README).
 */
export async function measureNode(opts: MeasureOptions): Promise<NodeMeasurement> {
  const cores = availableParallelism();
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const disk = await measureDiskWrite(opts.dataDir, { maxMb: opts.diskMb, timeoutMs: opts.diskTimeoutMs });
  const eps = await measureEps({ threads: cores, ms: opts.cpuMs, maxPrime: opts.maxPrime });
  return {
    at: Date.now(),
    cores,
    realCores: Math.min(cores, physicalCores(cpuinfo) ?? cores),
    ramGb: round(totalmem() / 1024 ** 3, 2),
    storageGb: round(await storageGb(opts.dataDir), 1),
    ddwriteMbps: round(disk.mbps, 1),
    eps: round(eps, 2),
    architecture: architectureName(process.arch),
    dataDir: opts.dataDir,
  };
}
