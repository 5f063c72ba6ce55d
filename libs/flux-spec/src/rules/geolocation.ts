/**
 * Geolocation (v5+). FluxOS only enforces count and length at registration; the syntax
 * is checked here as a warning because a malformed entry silently never matches.
 */
import { reject, SpecWarning, warning } from '../errors';
import { parseGeolocationEntry } from '../geolocation';
import { GEOLOCATION_ENTRY_MAX, GEOLOCATION_MAX } from '../limits';

export function checkGeolocation(entries: string[]): void {
  if (entries.length > GEOLOCATION_MAX) reject('geolocation.tooMany', 'geolocation', `has ${entries.length} entries; at most ${GEOLOCATION_MAX} are allowed`);
  entries.forEach((g, i) => {
    if (g.length > GEOLOCATION_ENTRY_MAX) reject('geolocation.tooLong', `geolocation[${i}]`, `is longer than ${GEOLOCATION_ENTRY_MAX} characters`);
  });
}

export function geolocationWarnings(entries: string[]): SpecWarning[] {
  const out: SpecWarning[] = [];
  entries.forEach((g, i) => {
    if (!parseGeolocationEntry(g)) {
      out.push(warning('geolocation.syntax', `geolocation[${i}]`, `"${g}" is not valid geolocation syntax (acEU, acEU_CZ, a!cEU, aEU, bCZ …) and will never match a node`));
    }
  });
  return out;
}
