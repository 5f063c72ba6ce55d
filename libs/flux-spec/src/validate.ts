/**
 * `verifyAppSpec`: the verdict FluxOS's verify endpoints give (fluxos.md §1.3a).
 *
 * Order follows FluxOS so the first reported problem is the one FluxOS reports too:
 * format → types → restrictions → version activation height → keys → unique ports →
 * hardware → (register) name clashes / (update) compatibility with the previous spec.
 * Image/registry checks need the network and are out of scope for this pure library.
 * On top of the verdict, warnings list what formatting changed and what would be
 * refused only at install time.
 */
import { isPlainObject } from './coerce';
import { tryParseContainerData } from './containerData';
import { reject, RuleViolation, SpecWarning, toViolation, warning } from './errors';
import { formatSpecDetailed } from './format';
import { SPEC_VERSION_ACTIVATION } from './heights';
import { checkComponentCount } from './rules/compose';
import { checkContacts } from './rules/contacts';
import { checkDatacenter, checkComponentPrivateFields, isEnterprise } from './rules/enterprise';
import { checkExpire } from './rules/expire';
import { checkGeolocation, geolocationWarnings } from './rules/geolocation';
import { checkComposeHardware, checkLegacyHardware, componentHardwareWarnings } from './rules/hardware';
import { checkInstances } from './rules/instances';
import { checkKeys } from './rules/keys';
import { checkAppName, checkComponentName, checkNotLocalAppName, nameKey } from './rules/name';
import { checkNodes } from './rules/nodes';
import { checkContainerPort, checkHostPort, checkPortLists, checkUniquePorts } from './rules/ports';
import {
  checkCommands, checkContainerDataMax, checkContainerDataMin, checkDescription, checkDomains, checkEnvironment, checkRepotag,
} from './rules/strings';
import { checkTypes } from './rules/types';
import { checkUpdateCompatibility } from './rules/update';
import type { AppComponent, FluxAppSpec, Loose } from './types';

export interface VerifyAppSpecOptions {
  /** Block height the verdict is for (FluxOS uses its daemon's current height). */
  height: number;
  /** `register` (default) or `update`. */
  mode?: 'register' | 'update';
  /** Update mode: the app's current spec (raw or formatted); without it compatibility is not checked (warning). */
  previous?: unknown;
  /** Owners allowed to set `datacenter: true`; default: FluxOS's list (data/enterprise-nodes.ts). */
  enterpriseOwners?: readonly string[];
  /** Register mode: whether a name key (see `nameKey`) is already taken by another app. */
  nameTaken?: (key: string) => boolean;
  /**
   * v8 enterprise specs carry compose/contacts encrypted; FluxOS decrypts them before
   * validating. Supply a decryptor to validate the real components; without one the
   * encrypted part is treated as opaque and a warning says so.
   */
  decryptEnterprise?: (spec: Loose) => { compose: unknown; contacts: unknown };
}

export type VerifyAppSpecResult =
  | { ok: true; spec: FluxAppSpec; warnings: SpecWarning[] }
  | { ok: false; error: RuleViolation; warnings: SpecWarning[] };

function checkComponent(spec: FluxAppSpec, c: AppComponent, i: number, height: number, used: Set<string>): void {
  const p = `compose[${i}].`;
  checkComponentName(c.name, spec.version, `${p}name`, used);
  checkDescription(c.description, `${p}description`);
  c.ports.forEach((port, j) => checkHostPort(port, height, `${p}ports[${j}]`));
  checkRepotag(c.repotag, `${p}repotag`);
  checkContainerDataMax(c.containerData, `${p}containerData`);
  checkEnvironment(c.environmentParameters, `${p}environmentParameters`);
  checkCommands(c.commands, `${p}commands`);
  checkDomains(c.domains, `${p}domains`);
  c.containerPorts.forEach((port, j) => checkContainerPort(port, `${p}containerPorts[${j}]`));
  checkPortLists(c.ports, c.containerPorts, c.domains, p);
  checkContainerDataMin(c.containerData, `${p}containerData`);
  checkComponentPrivateFields(spec, c, p);
}

/** FluxOS `verifyRestrictionCorrectnessOfApp`. */
function checkRestrictions(spec: FluxAppSpec, height: number, opaqueEnterprise: boolean): void {
  checkAppName(spec.name, spec.version);
  checkDescription(spec.description, 'description');
  if (spec.version === 1) {
    checkHostPort(spec.port as number, height, 'port');
    checkContainerPort(spec.containerPort as number, 'containerPort');
  } else if (spec.version <= 3) {
    const ports = spec.ports ?? [];
    ports.forEach((port, j) => checkHostPort(port, height, `ports[${j}]`));
    (spec.containerPorts ?? []).forEach((port, j) => checkContainerPort(port, `containerPorts[${j}]`));
    checkPortLists(ports, spec.containerPorts ?? [], spec.domains ?? [], '');
    checkDomains(spec.domains ?? [], 'domains');
  }
  if (spec.version <= 3) {
    checkContainerDataMin(spec.containerData, 'containerData');
    checkContainerDataMax(spec.containerData, 'containerData');
    checkRepotag(spec.repotag, 'repotag');
    checkEnvironment(spec.enviromentParameters ?? [], 'enviromentParameters');
    checkCommands(spec.commands ?? [], 'commands');
  } else if (!opaqueEnterprise) {
    const compose = spec.compose ?? [];
    checkComponentCount(compose.length, height);
    const used = new Set<string>();
    compose.forEach((c, i) => checkComponent(spec, c, i, height, used));
  }
  if (spec.version >= 3) checkInstances(spec.instances as number, spec.version, height);
  if (spec.version >= 5) {
    checkContacts(spec.contacts ?? []);
    checkGeolocation(spec.geolocation ?? []);
  }
  if (spec.version >= 6) checkExpire(spec.expire as number, height);
  if (spec.version >= 7) checkNodes(spec.nodes ?? []);
}

/** Problems that pass registration but make a node refuse or misplace the app. */
function installWarnings(spec: FluxAppSpec): SpecWarning[] {
  const out: SpecWarning[] = [];
  const data = spec.version <= 3
    ? [{ value: spec.containerData, path: 'containerData' }]
    : (spec.compose ?? []).map((c, i) => ({ value: c.containerData, path: `compose[${i}].containerData` }));
  const count = spec.compose?.length ?? 1;
  for (const { value, path } of data) {
    const parsed = tryParseContainerData(value);
    if (!parsed.ok) {
      out.push(warning('containerData.syntax', path, `${parsed.error}; the app would fail to install`));
      continue;
    }
    for (const m of parsed.value.additional) {
      if (m.componentIndex !== undefined && m.componentIndex >= count) {
        out.push(warning('containerData.componentRef', path, `refers to component ${m.componentIndex}, which does not exist`));
      }
    }
  }
  if (spec.version >= 5) out.push(...geolocationWarnings(spec.geolocation ?? []));
  if (spec.version >= 4) out.push(...componentHardwareWarnings(spec.compose ?? []));
  return out;
}

function previousSpec(previous: unknown): FluxAppSpec {
  const f = formatSpecDetailed(previous);
  if (!f.ok) reject('update.previousInvalid', 'previous', `the current spec of the app being updated cannot be read (${f.error.message})`);
  return f.spec as unknown as FluxAppSpec;
}

/**
 * Validates a raw spec the way FluxOS's verify endpoint does and returns the canonical
 * spec or the first violated rule. Never throws.
 */
export function verifyAppSpec(raw: unknown, options: VerifyAppSpecOptions): VerifyAppSpecResult {
  const warnings: SpecWarning[] = [];
  try {
    const { height } = options;
    if (typeof height !== 'number' || !Number.isFinite(height)) reject('height.invalid', 'height', 'a numeric block height is required');
    let input = raw;
    let decrypted = false;
    if (options.decryptEnterprise && isPlainObject(raw) && Number(raw.version) >= 8 && raw.enterprise) {
      input = { ...raw, ...options.decryptEnterprise(raw) };
      decrypted = true;
    }
    const formatted = formatSpecDetailed(input);
    warnings.push(...formatted.warnings);
    if (!formatted.ok) return { ok: false, error: formatted.error, warnings };
    checkTypes(formatted.spec);
    const spec = formatted.spec as unknown as FluxAppSpec;
    const opaqueEnterprise = isEnterprise(spec) && !decrypted;
    if (opaqueEnterprise) {
      warnings.push(warning('enterprise.notDecrypted', 'enterprise', 'the encrypted components were not decrypted, so they were not validated'));
    }
    checkRestrictions(spec, height, opaqueEnterprise);
    const activation = SPEC_VERSION_ACTIVATION[spec.version] ?? Infinity;
    if (height < activation) {
      reject('version.notActive', 'version', `spec v${spec.version} is only accepted from height ${activation} (height is ${height})`);
    }
    checkKeys(formatted.spec, spec.version);
    checkUniquePorts(spec);
    if (spec.version <= 3) checkLegacyHardware(spec);
    else if (!opaqueEnterprise) checkComposeHardware(spec.compose ?? []);
    checkDatacenter(spec, options.enterpriseOwners);
    if ((options.mode ?? 'register') === 'register') {
      checkNotLocalAppName(spec.name);
      if (options.nameTaken?.(nameKey(spec.name))) reject('name.conflict', 'name', `"${spec.name}" is already registered (names are case-insensitive)`);
    } else if (options.previous === undefined || options.previous === null) {
      warnings.push(warning('update.compatibilityUnchecked', 'previous', 'no current spec was given, so what the update changes was not checked'));
    } else {
      checkUpdateCompatibility(spec, previousSpec(options.previous));
    }
    warnings.push(...installWarnings(spec));
    return { ok: true, spec, warnings };
  } catch (err) {
    return { ok: false, error: toViolation(err), warnings };
  }
}
