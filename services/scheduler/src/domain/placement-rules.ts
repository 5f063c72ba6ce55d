import type { AppRuntime } from '@fluxplane/flux-spec';

export interface GeoRule {
  continent?: string;
  country?: string;
  region?: string;
}

/** The node rules of a spec, in the shape the checkers and the candidate index use. */
export interface PlacementRules {
  /** Pinned nodes (v7+ `nodes`): ips (an `ip:port` entry counts by its ip) and collateral ids; empty = any. */
  pinned: ReadonlySet<string>;
  geolocation: { allow: readonly GeoRule[]; deny: readonly GeoRule[] };
  staticIp: boolean;
  enterprise: boolean;
  datacenter: boolean;
}

export const NO_RULES: PlacementRules = { pinned: new Set(), geolocation: { allow: [], deny: [] }, staticIp: false, enterprise: false, datacenter: false };

/**
 * Reads the runtime view's node rules. A pinned entry `1.2.3.4:16127` pins the node at 1.2.3.4 (FluxOS
 * compares the node's ip, with or without its API port); `txid:vout` names a node by its collateral,
 * which is its node id here.
 */
export function placementRulesOf(app: Pick<AppRuntime, 'nodes' | 'geolocation' | 'staticIp' | 'enterprise' | 'datacenter'>): PlacementRules {
  const pinned = new Set<string>();
  for (const raw of app.nodes) {
    const entry = raw.trim();
    if (!entry) continue;
    pinned.add(entry);
    const ipPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
    if (ipPort) pinned.add(ipPort[1]!);
  }
  const strip = (r: GeoRule): GeoRule => ({ continent: r.continent, country: r.country, region: r.region });
  return {
    pinned,
    geolocation: { allow: app.geolocation.allow.map(strip), deny: app.geolocation.deny.map(strip) },
    staticIp: app.staticIp,
    enterprise: app.enterprise,
    datacenter: app.datacenter,
  };
}
