import { isAbsolute, join } from 'node:path';
import type { ComponentRun } from '@fluxplane/contracts';
import { volumeLayout, type VolumeLayout } from './volume-layout';

/** A volume that must be mounted before the component starts: its own, or a sibling's it mounts from. */
export interface VolumeNeed {
  component: string;
  layout: VolumeLayout;
  sizeBytes: number;
}

/** A host path inside a mounted volume, bound into the container at `target`. */
export interface Bind {
  source: string;
  target: string;
}

/** What must exist on the node before the component's container is created. */
export interface MountPlan {
  volumes: VolumeNeed[];
  /** Directories and (empty) files to create inside the mounted volumes, parents before children. */
  paths: Array<{ path: string; isFile: boolean }>;
  binds: Bind[];
}

export type MountPlanResult = { ok: true; plan: MountPlan } | { ok: false; error: string };

const GIB = 1024 ** 3;
/** `hdd: 0` still gets a volume: a sparse 1 GiB file costs nothing until written. */
export const MIN_VOLUME_GB = 1;

export function volumeSizeBytes(hddGb: number): number {
  return Math.max(MIN_VOLUME_GB, Math.ceil(hddGb)) * GIB;
}

/**
 * A name on the volume must stay on the volume. The spec parser already refuses `/`, `..` and the
 * reserved names, but the event carrying the mounts is only shape-checked, so the planner checks
 * again rather than bind a path outside the volume into a container.
 */
function safeName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..';
}

/** Component names name volumes (`flux<component>_<app>`): letters and digits in specs, never a path. */
const COMPONENT_NAME = /^[A-Za-z0-9-]+$/;

/** FluxOS's reserved names on a volume: only primary mounts bind `appdata`. */
const RESERVED = new Set(['appdata', 'backup']);

function safeTarget(path: string): boolean {
  return isAbsolute(path) && !path.split('/').includes('..') && !path.includes('\0') && path !== '/';
}

/**
 * FluxOS's mounts of one component (`containerData`, fluxos.md §1.5), turned into host paths:
 * the primary mount (whatever its `r:`/`g:`/`s:` flags) binds the volume's `appdata`; `m:sub` and
 * `ml:sub` bind a directory `<volume>/<sub>`; `f:file` a file `<volume>/<file>`, created empty;
 * `N:`, `c:N:sub` and `cf:N:file` the same paths in the volume of component N (its index in the
 * instance's components). Every source lies inside a volume's mount point, so a volume that is not
 * mounted leaves the sources missing and Docker refuses the container instead of writing to the
 * root disk.
 */
export function planMounts(dataDir: string, app: string, components: readonly ComponentRun[], index: number): MountPlanResult {
  const self = components[index];
  if (!self) return { ok: false, error: `component index ${index} is not one of the ${components.length} components of ${app}` };
  const fail = (error: string): MountPlanResult => ({ ok: false, error: `component ${self.name}: ${error}` });
  const badName = components.find((c) => !COMPONENT_NAME.test(c.name));
  if (badName) return { ok: false, error: `component name ${JSON.stringify(badName.name)} may contain only letters, digits and hyphens (it names a volume)` };
  if (!self.data) return fail(`containerData ${JSON.stringify(self.containerData)} does not parse, so its data cannot be mounted`);

  const volumes = new Map<number, VolumeNeed>();
  const need = (i: number): VolumeNeed => {
    let v = volumes.get(i);
    if (!v) {
      const c = components[i]!;
      v = { component: c.name, layout: volumeLayout(dataDir, app, c.name), sizeBytes: volumeSizeBytes(c.hddGb) };
      volumes.set(i, v);
    }
    return v;
  };
  need(index);

  const paths: MountPlan['paths'] = [];
  const binds: Bind[] = [];
  const targets = new Set<string>();
  for (const m of self.data.mounts) {
    if (!safeTarget(m.containerPath)) return fail(`container path ${JSON.stringify(m.containerPath)} must be absolute, not "/", and free of ".."`);
    if (targets.has(m.containerPath)) return fail(`container path ${m.containerPath} is mounted twice`);
    targets.add(m.containerPath);
    const local = m.kind === 'primary' || m.kind === 'directory' || m.kind === 'localDirectory' || m.kind === 'file';
    const owner = local ? index : m.componentIndex;
    if (owner === undefined || owner >= components.length) {
      return fail(`mount ${m.containerPath} refers to component ${owner ?? '(none)'}, but ${app} has ${components.length} component(s) (0-based)`);
    }
    const primary = m.kind === 'primary' || m.kind === 'componentPrimary';
    const subdir = primary ? 'appdata' : m.subdir;
    if (!safeName(subdir) || (!primary && RESERVED.has(subdir))) return fail(`mount ${m.containerPath} names ${JSON.stringify(subdir)}, which is not a plain file or directory name`);
    const source = join(need(owner).layout.mountPoint, subdir);
    const isFile = m.kind === 'file' || m.kind === 'componentFile';
    const known = paths.find((p) => p.path === source);
    if (known && known.isFile !== isFile) return fail(`${source} is mounted both as a file and as a directory`);
    if (!known) paths.push({ path: source, isFile });
    binds.push({ source, target: m.containerPath });
  }
  // Every volume has its appdata (the synced folder), even when no mount of this component uses it.
  const all = [...volumes.values()];
  const appdatas = all.map((v) => v.layout.appdata).filter((p) => !paths.some((x) => x.path === p));
  return { ok: true, plan: { volumes: all, paths: [...appdatas.map((path) => ({ path, isFile: false })), ...paths], binds } };
}
