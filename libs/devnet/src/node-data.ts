import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Deletes node agents' data directories. The agents loop-mount app volumes inside them and leave
 * them mounted when they stop (like their containers), so the mounts go first, deepest first; a
 * plain recursive delete would empty the mounted volumes and then fail on their busy mount points.
 */
export function removeNodeData(dir: string): number {
  const root = `${resolve(dir)}/`;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m.startsWith(root))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execFileSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
  return mounts.length;
}
