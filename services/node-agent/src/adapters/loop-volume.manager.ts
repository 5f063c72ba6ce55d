import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, realpath, rename, rm, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { VolumeError, type Volume, type VolumeManager } from './volume-manager';

const run = promisify(execFile);
/** mkfs of a large sparse file and mounts are quick; anything slower is stuck. */
const COMMAND_TIMEOUT_MS = 120_000;

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: COMMAND_TIMEOUT_MS });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    const why = e.code === 'ENOENT' ? `${cmd} is not installed (scripts/infra/volumes.sh installs it)` : (e.stderr?.trim() || e.message);
    throw new VolumeError(`${cmd} ${args.join(' ')}: ${why}`);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(() => true, () => false);
}

/** `/proc/self/mountinfo` escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return new Set(text.split('\n').filter(Boolean).map((line) => unescapeMountPath(line.split(' ')[4] ?? '')));
}

/** The path as the kernel reports mounts (symlinks in DATA_DIR resolved), or as given if missing. */
async function canonical(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/**
 * Volumes as FluxOS makes them: a sparse file (`truncate`), formatted ext4 (`mkfs.ext4`, e2fsprogs)
 * and loop-mounted (`mount -o loop`). Needs root. util-linux's mount reuses a loop device already
 * attached to the same file, so mounting again a volume whose filesystem is still held elsewhere (a
 * container's mount namespace) never mounts one filesystem through two devices.
 */
export class LoopVolumeManager implements VolumeManager {
  async ensure(volume: Volume, sizeBytes: number): Promise<{ created: boolean; mounted: boolean }> {
    if (await this.isMounted(volume.mountPoint)) return { created: false, mounted: false };
    await mkdir(dirname(volume.image), { recursive: true });
    await mkdir(volume.mountPoint, { recursive: true });
    let created = false;
    if (!(await exists(volume.image))) {
      // Formatted under a temporary name and renamed when complete: a crash half-way leaves no
      // image that a later start would take for a volume (and nothing with data gets formatted).
      const fresh = `${volume.image}.new`;
      await rm(fresh, { force: true });
      await sh('truncate', ['-s', String(sizeBytes), fresh]);
      await sh('mkfs.ext4', ['-F', '-q', fresh]);
      await rename(fresh, volume.image);
      created = true;
    }
    await sh('mount', ['-o', 'loop', volume.image, volume.mountPoint]);
    if (!(await this.isMounted(volume.mountPoint))) throw new VolumeError(`mount ${volume.image} at ${volume.mountPoint}: not mounted after mount returned`);
    return { created, mounted: true };
  }

  async isMounted(mountPoint: string): Promise<boolean> {
    return (await mountPoints()).has(await canonical(mountPoint));
  }

  async ensurePath(path: string, isFile: boolean): Promise<void> {
    if (!isFile) {
      await mkdir(path, { recursive: true });
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    // 'a': created empty when missing, never truncated when it holds the app's data.
    await (await open(path, 'a')).close();
  }

  async unmount(mountPoint: string): Promise<void> {
    if (await this.isMounted(mountPoint)) await sh('umount', [await canonical(mountPoint)]);
  }

  async remove(volume: Volume): Promise<void> {
    await this.unmount(volume.mountPoint);
    await rm(volume.image, { force: true });
    await rm(`${volume.image}.new`, { force: true });
    // Unmounted, the mount point is an empty directory on the root disk.
    await rm(volume.mountPoint, { recursive: true, force: true });
  }

  async listImages(dir: string): Promise<string[]> {
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.filter((n) => n.endsWith('.ext4')).map((n) => join(dir, n));
  }

  async listMounted(dir: string): Promise<string[]> {
    const base = await canonical(dir);
    return [...(await mountPoints())].filter((m) => dirname(m) === base).map((m) => join(dir, m.slice(base.length + 1)));
  }

  async usage(mountPoint: string): Promise<{ usedBytes: number; sizeBytes: number }> {
    const s = await statfs(mountPoint);
    return { usedBytes: (s.blocks - s.bfree) * s.bsize, sizeBytes: s.blocks * s.bsize };
  }
}
