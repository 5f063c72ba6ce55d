/**
 * The canonical formatter (FluxOS `specificationFormatter`, fluxos.md §1.2 and §1.3a).
 *
 * FluxOS formats every spec before validating it, and the formatted object is what gets
 * stored, hashed and signed. Formatting therefore decides a lot of verdicts on its own:
 * unknown keys disappear, numeric and boolean strings are coerced, and some missing
 * fields are fatal here already. This module reproduces that step, and records a
 * warning for every key it dropped and every value it coerced so a caller can show the
 * user what the network will actually store.
 */
import { ensureArray, ensureBoolean, ensureNumber, ensureString, isPlainObject } from './coerce';
import { reject, show, SpecRuleError, SpecWarning, toViolation, RuleViolation, warning } from './errors';
import type { FluxAppSpec, Loose } from './types';

const TIER_KEYS = [
  'cpubasic', 'cpusuper', 'cpubamf', 'rambasic', 'ramsuper', 'rambamf', 'hddbasic', 'hddsuper', 'hddbamf',
] as const;

class Formatter {
  readonly warnings: SpecWarning[] = [];

  number(value: unknown, path: string): number {
    const n = ensureNumber(value);
    if (typeof value !== 'number') {
      this.warnings.push(warning('format.coerced', path, `${show(value)} was converted to the number ${n}`));
    }
    return n;
  }

  string(value: unknown, path: string): string | undefined {
    const s = ensureString(value);
    if (typeof value !== 'string' && value !== undefined) {
      this.warnings.push(warning('format.coerced', path, `${show(value)} was converted to the string ${show(s)}`));
    }
    return s;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    const b = ensureBoolean(value);
    if (typeof value !== 'boolean' && b !== undefined) {
      this.warnings.push(warning('format.coerced', path, `${show(value)} was converted to the boolean ${b}`));
    }
    return b;
  }

  /** A list field: must be (or parse to) an array; each element goes through `each`. */
  list<T>(value: unknown, path: string, rule: string, label: string, each: (v: unknown, p: string) => T): T[] {
    const arr = ensureArray(value);
    if (!arr) reject(rule, path, `${label} must be an array`);
    if (!Array.isArray(value)) {
      this.warnings.push(warning('format.coerced', path, 'a JSON string was parsed into an array'));
    }
    return arr.map((v, i) => each(v, `${path}[${i}]`));
  }

  strings(value: unknown, path: string, rule: string, label: string): string[] {
    // FluxOS keeps whatever ensureString returns, so an element `undefined` cannot occur
    // from JSON; `null` becomes the string "null".
    return this.list(value, path, rule, label, (v, p) => this.string(v, p) as string);
  }
}

function tierFields(f: Formatter, source: Loose, target: Loose, path: string): void {
  for (const key of TIER_KEYS) {
    if (!source[key]) {
      reject('tiered.missing', `${path}${key}`, 'tiered is true, so all nine tier fields (cpu/ram/hdd × basic/super/bamf) are required and non-zero');
    }
  }
  for (const key of TIER_KEYS) target[key] = f.number(source[key], `${path}${key}`);
}

function formatLegacy(f: Formatter, raw: Loose, out: Loose, version: number): void {
  const required = version === 1
    ? ['repotag', 'port', 'enviromentParameters', 'commands', 'containerPort', 'containerData', 'cpu', 'ram', 'hdd']
    : ['repotag', 'ports', 'domains', 'enviromentParameters', 'commands', 'containerPorts', 'containerData', 'cpu', 'ram', 'hdd'];
  for (const key of required) {
    if (!raw[key]) reject(`${key}.missing`, key, `is required for a v${version} spec and must not be empty or zero`);
  }
  out.repotag = f.string(raw.repotag, 'repotag');
  if (version === 1) {
    out.port = f.number(raw.port, 'port');
  } else {
    // v2/v3 ports, containerPorts and domains are lists of strings.
    out.ports = f.strings(raw.ports, 'ports', 'ports.invalid', 'ports');
    out.domains = f.strings(raw.domains, 'domains', 'domains.invalid', 'domains');
  }
  out.enviromentParameters = f.strings(raw.enviromentParameters, 'enviromentParameters', 'enviromentParameters.invalid', 'environment parameters');
  out.commands = f.strings(raw.commands, 'commands', 'commands.invalid', 'commands');
  if (version === 1) {
    out.containerPort = f.number(raw.containerPort, 'containerPort');
  } else {
    out.containerPorts = f.strings(raw.containerPorts, 'containerPorts', 'containerPorts.invalid', 'container ports');
  }
  out.containerData = f.string(raw.containerData, 'containerData');
  out.cpu = f.number(raw.cpu, 'cpu');
  out.ram = f.number(raw.ram, 'ram');
  out.hdd = f.number(raw.hdd, 'hdd');
  const tiered = f.boolean(raw.tiered, 'tiered');
  if (typeof tiered !== 'boolean') reject('tiered.invalid', 'tiered', 'must be true or false');
  out.tiered = tiered;
  if (tiered) tierFields(f, raw, out, '');
}

function formatComponent(f: Formatter, comp: unknown, index: number, version: number): Loose {
  const path = `compose[${index}]`;
  // FluxOS reads properties of the component directly; null/undefined crash it and a
  // primitive has no list fields, so both end in a rejection.
  if (comp === null || comp === undefined) reject('compose.invalidComponent', path, 'a component must be an object');
  const c = (typeof comp === 'object' ? comp : {}) as Loose;
  const out: Loose = {};
  out.name = f.string(c.name, `${path}.name`);
  out.description = f.string(c.description, `${path}.description`);
  out.repotag = f.string(c.repotag, `${path}.repotag`);
  out.ports = f.list(c.ports, `${path}.ports`, 'ports.invalid', 'ports', (v, p) => f.number(v, p));
  out.domains = f.strings(c.domains, `${path}.domains`, 'domains.invalid', 'domains');
  out.environmentParameters = f.strings(c.environmentParameters, `${path}.environmentParameters`,
    'environmentParameters.invalid', 'environment parameters');
  out.commands = f.strings(c.commands, `${path}.commands`, 'commands.invalid', 'commands');
  // FluxOS quirk (fluxos.md §9): the v4+ formatter computes coerced container ports but
  // keeps the original list, so "80" stays a string and is rejected by the type check.
  const containerPorts = ensureArray(c.containerPorts);
  if (!containerPorts) reject('containerPorts.invalid', `${path}.containerPorts`, 'container ports must be an array');
  out.containerPorts = containerPorts;
  out.containerData = f.string(c.containerData, `${path}.containerData`);
  out.cpu = f.number(c.cpu, `${path}.cpu`);
  out.ram = f.number(c.ram, `${path}.ram`);
  out.hdd = f.number(c.hdd, `${path}.hdd`);
  if (version <= 7) {
    // Unlike the top-level v1–v3 flag, a component's tiered is not coerced.
    if (typeof c.tiered !== 'boolean') reject('tiered.invalid', `${path}.tiered`, 'must be the boolean true or false');
    out.tiered = c.tiered;
    if (c.tiered) tierFields(f, c, out, `${path}.`);
  }
  if (version >= 7) {
    out.repoauth = f.string(c.repoauth, `${path}.repoauth`);
    if (version === 7) out.secrets = f.string(c.secrets, `${path}.secrets`);
  }
  return out;
}

function formatInternal(raw: unknown, f: Formatter): Loose {
  if (!isPlainObject(raw)) reject('spec.notObject', 'spec', 'the specification must be a JSON object');
  if (!raw.version) reject('version.missing', 'version', 'the spec version is required');
  const version = f.number(raw.version, 'version');
  for (const key of ['name', 'description', 'owner'] as const) {
    if (!raw[key]) reject(`${key}.missing`, key, 'is required and must not be empty');
  }
  const out: Loose = {
    version,
    name: f.string(raw.name, 'name'),
    description: f.string(raw.description, 'description'),
    owner: f.string(raw.owner, 'owner'),
  };

  if (version <= 3) {
    formatLegacy(f, raw, out, version);
  } else {
    if (!raw.compose) reject('compose.missing', 'compose', 'a v4+ spec needs a compose list');
    const compose = ensureArray(raw.compose);
    if (!compose) reject('compose.invalid', 'compose', 'must be an array of components');
    out.compose = compose.map((c, i) => formatComponent(f, c, i, version));
  }

  if (version >= 3) {
    if (!raw.instances) reject('instances.missing', 'instances', 'is required from spec v3');
    const instances = f.number(raw.instances, 'instances');
    if (!Number.isInteger(instances)) reject('instances.invalid', 'instances', `${show(raw.instances)} is not a whole number`);
    // The formatter's own bounds; the restriction check later applies the height-aware minimum.
    const min = version >= 8 ? 1 : 3;
    if (instances < min) reject('instances.tooFew', 'instances', `minimum number of instances is ${min}`);
    if (instances > 100) reject('instances.tooMany', 'instances', 'maximum number of instances is 100');
    out.instances = instances;
  }

  if (version >= 5) {
    if (!raw.contacts) reject('contacts.missing', 'contacts', 'is required from spec v5 (an empty list is fine)');
    if (!raw.geolocation) reject('geolocation.missing', 'geolocation', 'is required from spec v5 (an empty list is fine)');
    out.contacts = f.strings(raw.contacts, 'contacts', 'contacts.invalid', 'contacts');
    out.geolocation = f.strings(raw.geolocation, 'geolocation', 'geolocation.invalid', 'geolocation');
  }

  if (version >= 6) {
    if (!raw.expire) reject('expire.missing', 'expire', 'is required from spec v6');
    const expire = f.number(raw.expire, 'expire');
    if (!Number.isInteger(expire)) reject('expire.invalid', 'expire', `${show(raw.expire)} is not a whole number of blocks`);
    out.expire = expire;
  }

  if (version >= 7) {
    if (!raw.nodes) reject('nodes.missing', 'nodes', 'is required from spec v7 (an empty list is fine)');
    out.nodes = f.strings(raw.nodes, 'nodes', 'nodes.invalid', 'nodes');
    const staticip = f.boolean(raw.staticip, 'staticip');
    if (typeof staticip !== 'boolean') reject('staticip.invalid', 'staticip', 'must be true or false');
    out.staticip = staticip;
  }

  if (version >= 8) {
    if (raw.datacenter !== undefined) {
      // A value that is not boolean-like becomes undefined and so vanishes from the JSON.
      const dc = f.boolean(raw.datacenter, 'datacenter');
      if (dc === undefined) {
        f.warnings.push(warning('format.droppedKey', 'datacenter', `${show(raw.datacenter)} is not a boolean, so datacenter is treated as not set`));
      } else {
        out.datacenter = dc;
      }
    }
    // Falsy values (false, '', 0, null) are kept as they are; a truthy one becomes a string.
    out.enterprise = raw.enterprise ? f.string(raw.enterprise, 'enterprise') : raw.enterprise;
  }
  return out;
}

/** Keys FluxOS dropped and whether the key order changed: reported, never fatal. */
function reportDropped(raw: Loose, out: Loose, f: Formatter): void {
  for (const key of Object.keys(raw)) {
    if (!(key in out)) f.warnings.push(warning('format.droppedKey', key, 'is not part of this spec version and was dropped'));
  }
  const rawCompose = ensureArray(raw.compose);
  const outCompose = out.compose as Loose[] | undefined;
  if (rawCompose && outCompose) {
    rawCompose.forEach((c, i) => {
      if (!isPlainObject(c) || !outCompose[i]) return;
      for (const key of Object.keys(c)) {
        if (!(key in outCompose[i])) {
          f.warnings.push(warning('format.droppedKey', `compose[${i}].${key}`, 'is not part of this spec version and was dropped'));
        }
      }
    });
  }
  const rawOrder = Object.keys(raw).filter((k) => k in out).join(',');
  const outOrder = Object.keys(out).filter((k) => k in raw).join(',');
  if (rawOrder !== outOrder) {
    f.warnings.push(warning('format.reordered', 'spec', 'keys were put into canonical order, which changes the signed text'));
  }
}

export type FormatResult =
  | { ok: true; spec: Loose; warnings: SpecWarning[] }
  | { ok: false; error: RuleViolation; warnings: SpecWarning[] };

/** Formats like FluxOS and reports what changed. Never throws. */
export function formatSpecDetailed(raw: unknown): FormatResult {
  const f = new Formatter();
  try {
    const spec = formatInternal(raw, f);
    reportDropped(raw as Loose, spec, f);
    return { ok: true, spec, warnings: f.warnings };
  } catch (err) {
    return { ok: false, error: toViolation(err, 'format.invalid'), warnings: f.warnings };
  }
}

/**
 * Canonical form of a spec: FluxOS key order, unknown keys dropped, values coerced.
 * Throws a {@link SpecRuleError} when FluxOS's formatter would refuse the input.
 * Idempotent: formatting a formatted spec returns an equal object.
 */
export function formatSpec(raw: unknown): FluxAppSpec {
  const r = formatSpecDetailed(raw);
  if (!r.ok) throw new SpecRuleError(r.error.rule, r.error.message);
  return r.spec as unknown as FluxAppSpec;
}
