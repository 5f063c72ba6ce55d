/**
 * Allowed keys per version (FluxOS `verifyObjectKeysCorrectnessOfApp`). After formatting
 * this can no longer fail for input that went through {@link formatSpec}; it is kept as
 * a guard for specs that reach the validator some other way.
 */
import { reject } from '../errors';
import type { Loose } from '../types';

const TIER = ['tiered', 'cpubasic', 'rambasic', 'hddbasic', 'cpusuper', 'ramsuper', 'hddsuper', 'cpubamf', 'rambamf', 'hddbamf'];
const COMMON = ['version', 'name', 'description', 'owner'];
const COMPONENT_BASE = ['name', 'description', 'repotag', 'ports', 'containerPorts', 'environmentParameters', 'commands', 'containerData', 'domains', 'cpu', 'ram', 'hdd'];

export const TOP_LEVEL_KEYS: Readonly<Record<number, readonly string[]>> = {
  1: [...COMMON, 'repotag', 'port', 'containerPort', 'enviromentParameters', 'commands', 'containerData', 'cpu', 'ram', 'hdd', ...TIER],
  2: [...COMMON, 'repotag', 'ports', 'containerPorts', 'enviromentParameters', 'commands', 'containerData', 'domains', 'cpu', 'ram', 'hdd', ...TIER],
  3: [...COMMON, 'repotag', 'ports', 'containerPorts', 'enviromentParameters', 'commands', 'containerData', 'domains', 'instances', 'cpu', 'ram', 'hdd', ...TIER],
  4: [...COMMON, 'compose', 'instances'],
  5: [...COMMON, 'compose', 'instances', 'contacts', 'geolocation'],
  6: [...COMMON, 'compose', 'instances', 'contacts', 'geolocation', 'expire'],
  7: [...COMMON, 'compose', 'instances', 'contacts', 'geolocation', 'expire', 'nodes', 'staticip'],
  8: [...COMMON, 'compose', 'instances', 'contacts', 'geolocation', 'expire', 'nodes', 'staticip', 'datacenter', 'enterprise'],
};

export const COMPONENT_KEYS: Readonly<Record<number, readonly string[]>> = {
  4: [...COMPONENT_BASE, ...TIER],
  5: [...COMPONENT_BASE, ...TIER],
  6: [...COMPONENT_BASE, ...TIER],
  7: [...COMPONENT_BASE, 'secrets', 'repoauth', ...TIER],
  8: [...COMPONENT_BASE, 'repoauth'],
};

export function checkKeys(spec: Loose, version: number): void {
  const allowed = TOP_LEVEL_KEYS[version] ?? [];
  for (const key of Object.keys(spec)) {
    if (!allowed.includes(key)) reject('keys.unsupported', key, `is not one of the allowed keys of a v${version} spec`);
  }
  const compAllowed = COMPONENT_KEYS[version];
  if (compAllowed && Array.isArray(spec.compose)) {
    spec.compose.forEach((c: Loose, i: number) => {
      for (const key of Object.keys(c)) {
        if (!compAllowed.includes(key)) reject('keys.unsupported', `compose[${i}].${key}`, `is not one of the allowed keys of a v${version} component`);
      }
    });
  }
}
