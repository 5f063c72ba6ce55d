/**
 * Private registry credentials of a component: its `repoauth`, "user:password" (FluxOS's format; the
 * password may itself hold colons). Only v7+ compose components carry `repoauth`; v1–v3 specs (one
 * component named after the app) and v4–v6 components have none. Pure: callers decide who may see them.
 */
import { isObject, num, str } from './runtime/lenient';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** `repoauth` as Basic credentials; undefined when it is not a string with a non-empty user before a colon. */
export function registryCredentials(repoauth: unknown): RegistryCredentials | undefined {
  if (typeof repoauth !== 'string') return undefined;
  const i = repoauth.indexOf(':');
  return i > 0 ? { username: repoauth.slice(0, i), password: repoauth.slice(i + 1) } : undefined;
}

/**
 * The `repoauth` of the component named `component` in a stored spec: '' when it has none (a public
 * image, or a spec version without the field), undefined when the spec has no such component.
 */
export function componentRepoauth(spec: unknown, component: string): string | undefined {
  if (!isObject(spec)) return undefined;
  if (!Array.isArray(spec.compose)) return str(spec.name) === component ? '' : undefined;
  const found = spec.compose.filter(isObject).find((c) => str(c.name) === component);
  if (!found) return undefined;
  return (num(spec.version) ?? 1) >= 7 ? (str(found.repoauth) ?? '') : '';
}
