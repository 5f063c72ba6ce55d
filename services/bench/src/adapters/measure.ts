import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from '../domain/thresholds';

export interface MeasureOptions {
  /** How long the CPU test hashes. */
  cpuMs: number;
  /** Size of the disk write test. */
  diskMb: number;
  /** Where the disk test writes its temporary file (removed afterwards). */
  dir?: string;
}

/** Measures the machine; an interface so a node-local bench agent can stand in later. */
export interface Measurer {
  measure(): Promise<Measurement>;
}

export const MEASURER = Symbol('bench.measurer');

/**
 * A real, small benchmark of THIS machine: every devnet node runs here, so it is what their nodes
 * have. CPU = sha256 of 1 KiB blocks per second on one core × the core count (an estimate of the
 * all-core rate without spawning threads); RAM = total memory; disk = write + fsync of a file.
 * Synchronous on purpose (no event-loop noise in the numbers): it blocks this process for about
 * BENCH_CPU_MS plus the disk write, and the bench serves nothing latency-critical meanwhile.
 */
export class LocalMeasurer implements Measurer {
  constructor(private readonly opts: MeasureOptions) {}

  async measure(): Promise<Measurement> {
    const cores = Math.max(1, cpus().length);
    return {
      cores,
      ramMb: Math.floor(totalmem() / (1024 * 1024)),
      eps: Math.round(hashRate(this.opts.cpuMs) * cores),
      diskWriteMbps: round1(diskWriteMbps(this.opts.diskMb, this.opts.dir ?? tmpdir())),
    };
  }
}

export function hashRate(durationMs: number): number {
  const block = Buffer.alloc(1024, 0x5a);
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationMs * 1e6));
  let ops = 0;
  let now = start;
  while (now < end) {
    // Batches keep the clock reads out of the measured work.
    for (let i = 0; i < 200; i++) createHash('sha256').update(block).digest();
    ops += 200;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

export function diskWriteMbps(sizeMb: number, parent: string): number {
  const dir = mkdtempSync(join(parent, 'fp-bench-'));
  const chunk = Buffer.alloc(1024 * 1024, 0xa5);
  try {
    const fd = openSync(join(dir, 'write-test'), 'w');
    const start = process.hrtime.bigint();
    try {
      for (let i = 0; i < sizeMb; i++) writeSync(fd, chunk);
      // Without fsync this would measure the page cache, not the disk.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return sizeMb / Math.max(seconds, 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
