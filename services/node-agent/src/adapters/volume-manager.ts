/**
 * Sized volumes for app data, behind an interface so the reconcile logic does not depend on loop
 * devices (and tests, or another backend, can stand in). A volume is an image file holding a
 * filesystem of a fixed size, mounted at a mount point; writes past its size fail with ENOSPC.
 */
export interface Volume {
  image: string;
  mountPoint: string;
}

export interface VolumeManager {
  /**
   * Mounts the volume at its mount point. Only when the image file does not exist yet is it created
   * (`sizeBytes`, sparse) and formatted: an existing image is never formatted again, whatever
   * happened before (agent restart, node reboot). Resolves once the volume is mounted.
   */
  ensure(volume: Volume, sizeBytes: number): Promise<{ created: boolean; mounted: boolean }>;
  /** Whether a filesystem is mounted exactly at `mountPoint`. */
  isMounted(mountPoint: string): Promise<boolean>;
  /** Creates a directory, or an empty file, inside a mounted volume (an existing one is kept as is). */
  ensurePath(path: string, isFile: boolean): Promise<void>;
  /** Unmounts; a volume that is not mounted is fine. */
  unmount(mountPoint: string): Promise<void>;
  /** Unmounts, then deletes the image file and the mount point: the data is gone. */
  remove(volume: Volume): Promise<void>;
  /** Image files (`*.ext4`) in `dir`, by full path. */
  listImages(dir: string): Promise<string[]>;
  /** Mount points of filesystems mounted directly under `dir`. */
  listMounted(dir: string): Promise<string[]>;
  /** Size and bytes used of a mounted volume's filesystem. */
  usage(mountPoint: string): Promise<{ usedBytes: number; sizeBytes: number }>;
}

/** A volume operation that failed, naming the command and what it said. */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
}

export const VOLUME_MANAGER = Symbol('fluxplane.node-agent.volume-manager');
