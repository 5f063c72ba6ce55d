/**
 * Geolocation entries (fluxos.md §1.3, v5+).
 *
 * Registration only checks their count and length; the syntax is interpreted when a
 * node decides whether it may host the app. We parse it so placement code can use it
 * and so the validator can warn about entries that will never match any node.
 *
 *   acEU, acEU_CZ, acEU_CZ_<region>, acALL, acEU_ALL, acEU_CZ_ALL   allow
 *   a!cEU, a!cEU_CZ, ...                                             forbid
 *   aEU (continent), bCZ (country)                                   legacy allow
 * A node's own location string is `continentCode_countryCode_regionName`.
 */

export interface GeoRule {
  /** false for `a!c…` exclusions. */
  include: boolean;
  continent?: string;
  country?: string;
  region?: string;
  /** The entry as written. */
  raw: string;
}

const CONTINENTS = new Set(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);
const CODE = /^[A-Z]{2}$/;

/** Parses one entry; returns null if it is not valid geolocation syntax. */
export function parseGeolocationEntry(entry: string): GeoRule | null {
  if (typeof entry !== 'string') return null;
  if (/^a[A-Z]{2}$/.test(entry)) {
    const continent = entry.slice(1);
    return CONTINENTS.has(continent) ? { include: true, continent, raw: entry } : null;
  }
  if (/^b[A-Z]{2}$/.test(entry)) return { include: true, country: entry.slice(1), raw: entry };
  const m = /^a(!?)c(.+)$/.exec(entry);
  if (!m) return null;
  const include = m[1] !== '!';
  const parts = m[2]!.split('_');
  if (parts.length > 3) return null;
  // "ALL" may only close the entry: acALL, acEU_ALL, acEU_CZ_ALL.
  if (parts.slice(0, -1).includes('ALL')) return null;
  if (parts[parts.length - 1] === 'ALL') parts.pop();
  const [continent, country, region] = parts;
  if (continent !== undefined && !CONTINENTS.has(continent)) return null;
  if (country !== undefined && !CODE.test(country)) return null;
  if (region !== undefined && !region.trim()) return null;
  return { include, continent, country, region, raw: entry };
}

/** True if a node at `continent_country_region` satisfies a rule's location. */
export function geoRuleMatches(rule: GeoRule, nodeLocation: string): boolean {
  const [continent, country, ...rest] = nodeLocation.split('_');
  const region = rest.join('_');
  if (rule.continent && rule.continent !== continent) return false;
  if (rule.country && rule.country !== country) return false;
  if (rule.region && rule.region !== region) return false;
  return true;
}

/**
 * Whether an app's geolocation list admits a node: exclusions first, then, if the app
 * lists any inclusions, at least one must match. An empty list admits every node.
 */
export function geolocationAllows(entries: readonly string[], nodeLocation: string): boolean {
  const rules = entries.map(parseGeolocationEntry).filter((r): r is GeoRule => r !== null);
  if (rules.some((r) => !r.include && geoRuleMatches(r, nodeLocation))) return false;
  const includes = rules.filter((r) => r.include);
  return includes.length === 0 || includes.some((r) => geoRuleMatches(r, nodeLocation));
}
