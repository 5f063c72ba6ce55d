import { mkdir, open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';

const MB = 1024 * 1024;

/**
 * Sequential write speed of the disk under `dir`, in MB/s: 1 MiB blocks, then fdatasync (without
 * it this would measure the page cache). Bounded twice: at most `maxMb`, and no new block after
 * `timeoutMs`; the speed is what was written over the time it took. The file is removed afterwards.
 * Asynchronous, so the agent keeps serving (and sending heartbeats) while the disk works.
 */
export async function measureDiskWrite(dir: string, opts: { maxMb: number; timeoutMs: number }): Promise<{ mbps: number; writtenMb: number }> {
  const testDir = join(dir, '.fluxbench');
  await mkdir(testDir, { recursive: true });
  const file = join(testDir, `write-test-${process.pid}`);
  const block = Buffer.alloc(MB, 0xa5);
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(opts.timeoutMs) * 1_000_000n;
  let written = 0;
  const fh = await open(file, 'w');
  try {
    while (written < opts.maxMb && process.hrtime.bigint() < deadline) {
      await fh.write(block, 0, block.length);
      written++;
    }
    await fh.datasync();
  } finally {
    await fh.close();
    await rm(file, { force: true });
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { mbps: written / Math.max(seconds, 1e-6), writtenMb: written };
}

/** Size of the filesystem holding `dir`, in GB (10^9 bytes, as disks are sold and FluxBench reports). */
export async function storageGb(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const s = await statfs(dir);
  return (s.blocks * s.bsize) / 1e9;
}
