/**
 * Length limits on free-text fields (fluxos.md §1.3 "Descriptions", "Other string limits").
 */
import { reject } from '../errors';
import {
  CONTAINER_DATA_MAX, CONTAINER_DATA_MIN, DESCRIPTION_MAX, DOMAIN_MAX, ENV_OR_COMMAND_MAX, MAX_COMMANDS, MAX_ENV, REPOTAG_MAX,
} from '../limits';

// FluxOS reads `.length` of these fields without a type check; a missing one crashes
// the check and the spec is refused, which we report as `<field>.invalid`.
function text(value: unknown, path: string, rule: string): string {
  if (typeof value !== 'string') reject(rule, path, 'must be a string');
  return value;
}

export function checkDescription(value: unknown, path: string): void {
  const s = text(value, path, 'description.invalid');
  if (s.length > DESCRIPTION_MAX) reject('description.tooLong', path, `is ${s.length} characters; at most ${DESCRIPTION_MAX} are allowed`);
}

export function checkRepotag(value: unknown, path: string): void {
  const s = text(value, path, 'repotag.invalid');
  if (s.length > REPOTAG_MAX) reject('repotag.tooLong', path, `is ${s.length} characters; at most ${REPOTAG_MAX} are allowed`);
}

/** Only the maximum; the minimum is checked separately because FluxOS does it last. */
export function checkContainerDataMax(value: unknown, path: string): void {
  const s = text(value, path, 'containerData.invalid');
  if (s.length > CONTAINER_DATA_MAX) reject('containerData.tooLong', path, `is ${s.length} characters; at most ${CONTAINER_DATA_MAX} are allowed`);
}

export function checkContainerDataMin(value: unknown, path: string): void {
  const s = text(value, path, 'containerData.invalid');
  if (s.length < CONTAINER_DATA_MIN) {
    reject('containerData.tooShort', path, `must name a data folder (at least ${CONTAINER_DATA_MIN} characters); use /tmp for no data`);
  }
}

export function checkEnvironment(list: string[], path: string): void {
  // v1–v3 spell the field "enviromentParameters"; the rule id follows the field name.
  const field = path.includes('enviromentParameters') ? 'enviromentParameters' : 'environmentParameters';
  if (list.length > MAX_ENV) reject(`${field}.tooMany`, path, `has ${list.length} entries; at most ${MAX_ENV} are allowed`);
  list.forEach((e, i) => {
    if (e.length > ENV_OR_COMMAND_MAX) reject(`${field}.tooLong`, `${path}[${i}]`, `is longer than ${ENV_OR_COMMAND_MAX} characters`);
  });
}

export function checkCommands(list: string[], path: string): void {
  if (list.length > MAX_COMMANDS) reject('commands.tooMany', path, `has ${list.length} entries; at most ${MAX_COMMANDS} are allowed`);
  list.forEach((e, i) => {
    if (e.length > ENV_OR_COMMAND_MAX) reject('commands.tooLong', `${path}[${i}]`, `is longer than ${ENV_OR_COMMAND_MAX} characters`);
  });
}

export function checkDomains(list: string[], path: string): void {
  list.forEach((d, i) => {
    if (d.length > DOMAIN_MAX) reject('domains.tooLong', `${path}[${i}]`, `is longer than ${DOMAIN_MAX} characters`);
  });
}
