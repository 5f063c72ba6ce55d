/**
 * App and component names (fluxos.md §1.3 "Name").
 *
 * Case-insensitive uniqueness across the network is the caller's job (it needs the
 * registry); {@link nameKey} gives the normalised key to compare with.
 */
import { reject } from '../errors';
import { FORBIDDEN_NAME_PREFIXES, LOCAL_APP_NAMES, NAME_MAX_LEGACY, NAME_MAX_V8, RESERVED_NAME } from '../limits';

const ALNUM = /^[a-zA-Z0-9]+$/;
// v8: letters, digits and inner hyphens (an FQDN label).
const LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** Key for uniqueness checks: FluxOS compares app names case-insensitively. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export function maxNameLength(version: number): number {
  return version >= 8 ? NAME_MAX_V8 : NAME_MAX_LEGACY;
}

function checkPrefixes(name: string, path: string): void {
  // Case-sensitive on purpose: FluxOS uses startsWith, so "Fluxy" is allowed.
  for (const prefix of FORBIDDEN_NAME_PREFIXES) {
    if (name.startsWith(prefix)) reject('name.reservedPrefix', path, `"${name}" must not start with "${prefix}"`);
  }
}

export function checkAppName(name: string, version: number): void {
  const max = maxNameLength(version);
  if (name.length > max) reject('name.tooLong', 'name', `"${name}" is longer than ${max} characters`);
  if (!name) reject('name.missing', 'name', 'the app name must not be empty');
  if (version >= 8) {
    if (!LABEL.test(name)) reject('name.invalidChars', 'name', `"${name}" may contain only a-z, A-Z, 0-9 and inner hyphens`);
  } else if (!ALNUM.test(name)) {
    reject('name.invalidChars', 'name', `"${name}" may contain only a-z, A-Z and 0-9`);
  }
  if (name.startsWith('zel')) reject('name.reservedPrefix', 'name', `"${name}" must not start with "zel"`);
  if (name.toLowerCase() === RESERVED_NAME) reject('name.reserved', 'name', `"${name}" is reserved`);
  checkPrefixes(name, 'name');
}

/** Registration-time clash with node-local apps (e.g. "share"). */
export function checkNotLocalAppName(name: string): void {
  if (LOCAL_APP_NAMES.includes(nameKey(name))) reject('name.conflict', 'name', `"${name}" clashes with a node-local application`);
}

export function checkComponentName(name: unknown, version: number, path: string, used: Set<string>): void {
  if (!name || typeof name !== 'string') reject('name.missing', path, 'every component needs a name');
  const max = maxNameLength(version);
  if (name.length > max) reject('name.tooLong', path, `"${name}" is longer than ${max} characters`);
  checkPrefixes(name, path);
  // Component names stay alphanumeric even in v8 (no hyphens).
  if (!ALNUM.test(name)) reject('name.invalidChars', path, `"${name}" may contain only a-z, A-Z and 0-9`);
  if (used.has(name)) reject('name.duplicate', path, `component name "${name}" is used twice`);
  used.add(name);
}
