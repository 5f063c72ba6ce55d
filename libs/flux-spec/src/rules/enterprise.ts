/**
 * Private/enterprise fields: v7 `secrets`/`repoauth` (only with targeted nodes), v8
 * `repoauth` (only for enterprise apps) and `datacenter` (only for enterprise owners).
 */
import { FLUXOS_ENTERPRISE_OWNERS } from '../data/enterprise-nodes';
import { reject } from '../errors';
import { SECRET_MAX } from '../limits';
import type { AppComponent, FluxAppSpec } from '../types';

/** An app is enterprise in v8 when `enterprise` is truthy (`false` and `''` are public). */
export function isEnterprise(spec: Pick<FluxAppSpec, 'version' | 'enterprise'>): boolean {
  return spec.version >= 8 && Boolean(spec.enterprise);
}

export function checkComponentPrivateFields(spec: FluxAppSpec, c: AppComponent, path: string): void {
  const repoauth = c.repoauth ?? '';
  if (spec.version === 7) {
    const secrets = c.secrets ?? '';
    if (!(spec.nodes ?? []).length) {
      if (secrets.length) reject('secrets.notAllowed', `${path}secrets`, 'secrets need targeted nodes (an enterprise app)');
      if (repoauth.length) reject('repoauth.notAllowed', `${path}repoauth`, 'private registry credentials need targeted nodes (an enterprise app)');
    } else {
      if (secrets.length > SECRET_MAX) reject('secrets.tooLong', `${path}secrets`, `is longer than ${SECRET_MAX} characters`);
      if (repoauth.length > SECRET_MAX) reject('repoauth.tooLong', `${path}repoauth`, `is longer than ${SECRET_MAX} characters`);
    }
  } else if (spec.version >= 8) {
    if (!spec.enterprise) {
      if (repoauth.length) reject('repoauth.notAllowed', `${path}repoauth`, 'private registry credentials are only allowed for enterprise apps');
    } else if (repoauth.length > SECRET_MAX) {
      reject('repoauth.tooLong', `${path}repoauth`, `is longer than ${SECRET_MAX} characters`);
    }
  }
}

/**
 * `datacenter: true` is reserved to FluxOS's enterprise app owners (`helpers/enterprisenodes.json`,
 * see data/enterprise-nodes.ts): FluxOS refuses it for any other owner. Callers may pass a newer
 * list; by default the bundled snapshot decides, so the verdict is FluxOS's, not a warning.
 */
export function checkDatacenter(spec: FluxAppSpec, enterpriseOwners: readonly string[] = FLUXOS_ENTERPRISE_OWNERS): void {
  if (spec.version < 8 || spec.datacenter !== true) return;
  if (!enterpriseOwners.includes(spec.owner)) {
    reject('datacenter.notEnterpriseOwner', 'datacenter', `may only be true for enterprise owners; ${spec.owner} is not one`);
  }
}
