/**
 * Type and decimal checks on the formatted spec (FluxOS `verifyTypeCorrectnessOfApp`).
 *
 * After formatting most fields already have the right type; what is left to catch is
 * NaN from failed number coercion, too many decimals (8, or 0 for ports and counts),
 * string ports in v2/v3, and the v4+ container ports the formatter does not coerce.
 */
import { isDecimalLimit } from '../coerce';
import { reject } from '../errors';
import { MAX_DECIMALS } from '../limits';
import type { Loose } from '../types';

const TIER_KEYS = [
  'cpubasic', 'cpusuper', 'cpubamf', 'rambasic', 'ramsuper', 'rambamf', 'hddbasic', 'hddsuper', 'hddbamf',
] as const;

function stringList(value: unknown, path: string, rule: string): void {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) reject(rule, path, 'must be a list of strings');
}

function numberList(value: unknown, path: string, rule: string, decimals: number): void {
  if (!Array.isArray(value)) reject(rule, path, 'must be a list of numbers');
  value.forEach((v, i) => {
    if (typeof v !== 'number') reject(rule, `${path}[${i}]`, `${JSON.stringify(v)} is not a number`);
    if (!isDecimalLimit(v, decimals)) reject(rule, `${path}[${i}]`, `${v} is not a whole number`);
  });
}

function hardware(o: Loose, path: string): void {
  for (const key of ['cpu', 'ram', 'hdd'] as const) {
    if (typeof o[key] !== 'number') reject(`${key}.invalid`, `${path}${key}`, 'must be a number');
  }
  for (const key of ['cpu', 'ram', 'hdd'] as const) {
    if (!isDecimalLimit(o[key], MAX_DECIMALS)) reject(`${key}.decimals`, `${path}${key}`, `${o[key]} is not a number with at most ${MAX_DECIMALS} decimals`);
  }
  if (o.tiered === true) {
    for (const key of TIER_KEYS) {
      if (typeof o[key] !== 'number' || !isDecimalLimit(o[key], MAX_DECIMALS)) {
        reject('tiered.invalid', `${path}${key}`, `${JSON.stringify(o[key])} is not a valid tiered value`);
      }
    }
  }
}

function legacyTypes(s: Loose): void {
  if (s.version === 1) {
    if (typeof s.port !== 'number' || !isDecimalLimit(s.port, 0)) reject('port.invalid', 'port', `${JSON.stringify(s.port)} is not a whole number`);
    if (typeof s.containerPort !== 'number' || !isDecimalLimit(s.containerPort, 0)) {
      reject('containerPort.invalid', 'containerPort', `${JSON.stringify(s.containerPort)} is not a whole number`);
    }
  } else {
    // v2/v3 ports are strings holding whole numbers.
    for (const key of ['ports', 'containerPorts'] as const) {
      stringList(s[key], key, `${key}.invalid`);
      (s[key] as string[]).forEach((p, i) => {
        if (!isDecimalLimit(p, 0)) reject(`${key}.invalid`, `${key}[${i}]`, `"${p}" is not a whole number`);
      });
    }
    stringList(s.domains, 'domains', 'domains.invalid');
  }
  stringList(s.enviromentParameters, 'enviromentParameters', 'enviromentParameters.invalid');
  stringList(s.commands, 'commands', 'commands.invalid');
  if (typeof s.tiered !== 'boolean') reject('tiered.invalid', 'tiered', 'must be true or false');
  hardware(s, '');
}

function componentTypes(c: Loose, i: number, version: number): void {
  const p = `compose[${i}].`;
  if (typeof c.name !== 'string') reject('name.invalid', `${p}name`, 'component name must be a string');
  if (typeof c.description !== 'string') reject('description.invalid', `${p}description`, 'must be a string');
  numberList(c.ports, `${p}ports`, 'ports.invalid', 0);
  stringList(c.domains, `${p}domains`, 'domains.invalid');
  stringList(c.environmentParameters, `${p}environmentParameters`, 'environmentParameters.invalid');
  stringList(c.commands, `${p}commands`, 'commands.invalid');
  numberList(c.containerPorts, `${p}containerPorts`, 'containerPorts.invalid', 0);
  if (version <= 7 && typeof c.tiered !== 'boolean') reject('tiered.invalid', `${p}tiered`, 'must be true or false');
  hardware(c, p);
  if (version === 7 && typeof c.secrets !== 'string') reject('secrets.invalid', `${p}secrets`, 'must be a string');
  if (version >= 7 && typeof c.repoauth !== 'string') reject('repoauth.invalid', `${p}repoauth`, 'must be a string');
}

export function checkTypes(s: Loose): void {
  const version = s.version;
  if (typeof version !== 'number' || !isDecimalLimit(version, MAX_DECIMALS)) reject('version.invalid', 'version', 'must be a number');
  if (![1, 2, 3, 4, 5, 6, 7, 8].includes(version)) reject('version.unsupported', 'version', `spec version ${version} does not exist (1-8)`);
  for (const key of ['name', 'description', 'owner'] as const) {
    if (typeof s[key] !== 'string') reject(`${key}.invalid`, key, 'must be a string');
  }
  if (version <= 3) {
    legacyTypes(s);
  } else {
    if (version >= 8) {
      if (s.enterprise === null || s.enterprise === undefined) reject('enterprise.missing', 'enterprise', 'is required in v8 (false or "" for a public app)');
      if (!s.enterprise && Array.isArray(s.nodes) && s.nodes.length > 0) {
        reject('nodes.notEnterprise', 'nodes', 'may only be set for enterprise apps in v8');
      }
    }
    const compose = s.compose;
    if (!Array.isArray(compose)) reject('compose.invalid', 'compose', 'must be an array');
    compose.forEach((c, i) => {
      if (typeof c !== 'object' || c === null || Array.isArray(c)) reject('compose.invalidComponent', `compose[${i}]`, 'must be an object');
      componentTypes(c as Loose, i, version);
    });
  }
  if (version >= 3) {
    const n = s.instances;
    if (typeof n !== 'number' || !Number.isInteger(n)) reject('instances.invalid', 'instances', 'must be a whole number');
  }
  if (version >= 5) {
    stringList(s.contacts, 'contacts', 'contacts.invalid');
    stringList(s.geolocation, 'geolocation', 'geolocation.invalid');
  }
  if (version >= 6 && (typeof s.expire !== 'number' || !Number.isInteger(s.expire))) {
    reject('expire.invalid', 'expire', 'must be a whole number of blocks');
  }
  if (version >= 7) {
    stringList(s.nodes, 'nodes', 'nodes.invalid');
    if (typeof s.staticip !== 'boolean') reject('staticip.invalid', 'staticip', 'must be true or false');
  }
}
