/**
 * containerData syntax (FluxOS `mountParser.js`, fluxos.md §1.5).
 *
 * Registration only checks the string's length; the mount syntax and the g:/r:/s: flags
 * are interpreted when a node installs the app. Other services need the parsed form
 * (e.g. "is this component g: primary/standby?"), and the validator uses it to warn
 * about specs that would register but fail to install.
 *
 *   primary     `[flags:]/path`         flags ⊆ {r,g,s}, only on the first mount
 *   `N:/path`   component N's appdata   `m:sub:/path`   extra directory
 *   `ml:sub:/path` directory never synced (newer FluxOS)  `f:file:/path`  file
 *   `c:N:sub:/path` component N's dir   `cf:N:file:/path` component N's file
 */

export type MountKind =
  | 'primary' | 'directory' | 'localDirectory' | 'file'
  | 'componentPrimary' | 'componentDirectory' | 'componentFile';

export type SyncFlag = 'r' | 'g' | 's';

export interface Mount {
  kind: MountKind;
  /** Path inside the container. */
  containerPath: string;
  /** Sub-directory or file name on the volume (`appdata` for primary mounts). */
  subdir: string;
  /** Index of the component whose volume is used, for component references. */
  componentIndex?: number;
  isFile: boolean;
}

export interface ParsedContainerData {
  primary: Mount;
  additional: Mount[];
  /** Sync flags of the primary mount, in the order r, g, s. */
  flags: SyncFlag[];
  /** The component's sync mode: g wins over r over s; null for a plain volume. */
  syncMode: SyncFlag | null;
}

export type ContainerDataResult =
  | { ok: true; value: ParsedContainerData }
  | { ok: false; error: string };

const RESERVED_SUBDIRS = new Set(['appdata', 'backup', '.', '..']);

class MountSyntaxError extends Error {}

function checkPath(path: string | undefined, def: string): string {
  if (!path) throw new MountSyntaxError(`mount "${def}" has an empty container path`);
  if (!path.startsWith('/')) throw new MountSyntaxError(`container path "${path}" must be absolute`);
  if (path.includes('..')) throw new MountSyntaxError(`container path "${path}" must not contain ".."`);
  if (path.includes('\0')) throw new MountSyntaxError(`container path "${path}" contains a null byte`);
  return path;
}

function checkName(name: string | undefined, def: string): string {
  if (!name) throw new MountSyntaxError(`mount "${def}" has an empty sub-directory or file name`);
  if (name.includes('/') || name.includes('..')) throw new MountSyntaxError(`name "${name}" must not contain "/" or ".."`);
  if (RESERVED_SUBDIRS.has(name)) throw new MountSyntaxError(`name "${name}" is reserved`);
  if (/[<>:"|?*\0]/.test(name)) throw new MountSyntaxError(`name "${name}" contains an invalid character`);
  if (name.length > 255) throw new MountSyntaxError(`name "${name.slice(0, 20)}…" is longer than 255 characters`);
  return name;
}

function componentIndex(text: string, def: string): number {
  const n = Number.parseInt(text, 10);
  if (Number.isNaN(n)) throw new MountSyntaxError(`mount "${def}" has an invalid component index`);
  return n;
}

function parsePrimary(def: string): { mount: Mount; flags: SyncFlag[] } {
  const parts = def.split(':');
  // A flag prefix consists only of the letters r, g, s; "logs:/x" is not a flag prefix.
  const hasFlags = /^[rgs]+$/.test(parts[0] ?? '');
  let path: string | undefined;
  if (hasFlags) {
    if (parts.length !== 2) throw new MountSyntaxError(`invalid primary mount "${def}"`);
    path = parts[1];
  } else if (parts.length === 1) {
    path = parts[0];
  } else {
    throw new MountSyntaxError(`invalid primary mount "${def}" (flags may only be r, g and s)`);
  }
  const flags = hasFlags ? (['r', 'g', 's'] as SyncFlag[]).filter((f) => parts[0]!.includes(f)) : [];
  return {
    mount: { kind: 'primary', containerPath: checkPath(path, def), subdir: 'appdata', isFile: false },
    flags,
  };
}

function parseExtra(def: string): Mount {
  const parts = def.split(':');
  const head = parts[0] ?? '';
  const expect = (n: number, form: string): void => {
    if (parts.length !== n) throw new MountSyntaxError(`invalid mount "${def}", expected ${form}`);
  };
  if (/^\d+$/.test(head)) {
    expect(2, 'N:/path');
    return { kind: 'componentPrimary', componentIndex: Number.parseInt(head, 10), subdir: 'appdata', containerPath: checkPath(parts[1], def), isFile: false };
  }
  switch (head) {
    case 'm':
      expect(3, 'm:<subdir>:<path>');
      return { kind: 'directory', subdir: checkName(parts[1], def), containerPath: checkPath(parts[2], def), isFile: false };
    case 'ml':
      expect(3, 'ml:<subdir>:<path>');
      return { kind: 'localDirectory', subdir: checkName(parts[1], def), containerPath: checkPath(parts[2], def), isFile: false };
    case 'f':
      expect(3, 'f:<file>:<path>');
      return { kind: 'file', subdir: checkName(parts[1], def), containerPath: checkPath(parts[2], def), isFile: true };
    case 'c':
      expect(4, 'c:<N>:<subdir>:<path>');
      return { kind: 'componentDirectory', componentIndex: componentIndex(parts[1]!, def), subdir: checkName(parts[2], def), containerPath: checkPath(parts[3], def), isFile: false };
    case 'cf':
      expect(4, 'cf:<N>:<file>:<path>');
      return { kind: 'componentFile', componentIndex: componentIndex(parts[1]!, def), subdir: checkName(parts[2], def), containerPath: checkPath(parts[3], def), isFile: true };
    default:
      throw new MountSyntaxError(`unknown mount syntax "${def}" (flags are only allowed on the first mount)`);
  }
}

const LOCAL_KINDS: ReadonlySet<MountKind> = new Set(['primary', 'directory', 'localDirectory', 'file']);

/** Parses a containerData string. Never throws; a syntax error is returned as `ok:false`. */
export function tryParseContainerData(containerData: unknown): ContainerDataResult {
  if (typeof containerData !== 'string' || !containerData) {
    return { ok: false, error: 'containerData must be a non-empty string' };
  }
  try {
    const defs = containerData.split('|');
    const { mount: primary, flags } = parsePrimary(defs[0]!);
    const additional = defs.slice(1).map((d, i) => {
      if (!d) throw new MountSyntaxError(`mount ${i + 1} is empty`);
      return parseExtra(d);
    });
    const all = [primary, ...additional];
    const paths = all.map((m) => m.containerPath);
    const dupPath = paths.find((p, i) => paths.indexOf(p) !== i);
    if (dupPath) throw new MountSyntaxError(`container path "${dupPath}" is mounted twice`);
    const locals = all.filter((m) => LOCAL_KINDS.has(m.kind)).map((m) => m.subdir);
    const dupName = locals.find((p, i) => locals.indexOf(p) !== i);
    if (dupName) throw new MountSyntaxError(`sub-directory or file "${dupName}" is used twice`);
    const syncMode = flags.includes('g') ? 'g' : flags.includes('r') ? 'r' : flags.includes('s') ? 's' : null;
    return { ok: true, value: { primary, additional, flags, syncMode } };
  } catch (err) {
    if (err instanceof MountSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Parses a containerData string; throws an Error with a readable message on bad syntax. */
export function parseContainerData(containerData: string): ParsedContainerData {
  const r = tryParseContainerData(containerData);
  if (!r.ok) throw new Error(`containerData: ${r.error}`);
  return r.value;
}

/** The component's sync mode (`g`, `r`, `s`) or null, also null for unparseable data. */
export function syncModeOf(containerData: unknown): SyncFlag | null {
  const r = tryParseContainerData(containerData);
  return r.ok ? r.value.syncMode : null;
}
