/**
 * The simulated Flux network of the scheduler benchmarks: nodes of mixed tiers and locations and apps
 * with the mix of placement rules seen on Flux, deterministic (the same seed builds the same network).
 */
import { mulberry32 } from '@fluxplane/devchain';
import type { Tier } from '@fluxplane/flux-spec';

/** Where Flux nodes are, roughly (most in Europe and North America), with a few regions each. */
const PLACES: Array<[weight: number, continent: string, country: string, regions: string[]]> = [
  [20, 'EU', 'DE', ['Bavaria', 'Hesse', 'Saxony']], [9, 'EU', 'FR', ['Ile-de-France', 'Hauts-de-France']], [6, 'EU', 'NL', ['North Holland']],
  [5, 'EU', 'FI', ['Uusimaa']], [5, 'EU', 'GB', ['England']], [4, 'EU', 'CZ', ['Prague', 'South Moravian']], [4, 'EU', 'PL', ['Mazovia']],
  [22, 'NA', 'US', ['Texas', 'Virginia', 'California', 'Oregon']], [5, 'NA', 'CA', ['Quebec', 'Ontario']],
  [5, 'AS', 'JP', ['Tokyo']], [4, 'AS', 'SG', ['Singapore']], [3, 'OC', 'AU', ['New South Wales']], [2, 'SA', 'BR', ['Sao Paulo']],
];

/** A deterministic pseudo-random stream, so every run builds the same network. */
const rng = mulberry32;

function weighted<T>(r: () => number, items: Array<[number, ...unknown[]]>, pick: (item: (typeof items)[number]) => T): T {
  const total = items.reduce((a, i) => a + i[0], 0);
  let x = r() * total;
  for (const i of items) if ((x -= i[0]) < 0) return pick(i);
  return pick(items[items.length - 1]!);
}

export interface SimNode {
  nodeId: string; ip: string; tier: Tier; continent: string; country: string; region: string;
  staticIp: boolean; datacenter: boolean; enterprise: boolean;
}

export function simulatedNodes(count: number): SimNode[] {
  const r = rng(1);
  return Array.from({ length: count }, (_, i) => {
    // The network's mix: about 60 % Cumulus, 15 % Nimbus, 25 % Stratus.
    const x = r();
    const tier: Tier = x < 0.6 ? 'CUMULUS' : x < 0.75 ? 'NIMBUS' : 'STRATUS';
    const [continent, country, regions] = weighted(r, PLACES, (p) => [p[1], p[2], p[3]] as [string, string, string[]]);
    const ip = `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + (i % 254)}`;
    return {
      nodeId: `${(i + 1).toString(16).padStart(64, '0')}:0`, ip, tier, continent, country, region: regions[Math.floor(r() * regions.length)]!,
      staticIp: r() < 0.4, datacenter: r() < 0.5, enterprise: r() < 0.05,
    };
  });
}

export interface SimApp { name: string; spec: Record<string, unknown> }

/** What an app's component asks for: Flux's mix, or small ones (the C1M stretch: a million instances must fit). */
const SIZES = {
  flux: { cpu: [0.1, 0.2, 0.5, 0.5, 1, 1, 1.5, 2], ram: [100, 250, 500, 1000, 1000, 1500, 2000, 3000], hdd: [1, 2, 5, 10, 20, 40] },
  small: { cpu: [0.1, 0.1, 0.2], ram: [100, 150, 200, 250], hdd: [1, 2] },
} as const;

/**
 * 5,000 apps of the mix seen on Flux: mostly small, three instances; 70 % anywhere, 14 % allowed on a
 * continent, 6 % in a country, 4 % denying a continent, 2 % pinned to 3–5 nodes, 3 % on static IPs,
 * 1 % in datacenters; a fifth keep synced data (one instance per /16).
 */
export function simulatedApps(nodes: readonly SimNode[], count: number, sizes: keyof typeof SIZES = 'flux'): SimApp[] {
  const r = rng(2);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const name = `app${i}`;
    const synced = r() < 0.2;
    const cpu = pick(SIZES[sizes].cpu);
    const ram = pick(SIZES[sizes].ram);
    const hdd = pick(SIZES[sizes].hdd);
    const x = r();
    const extra: Record<string, unknown> = {};
    let version = 8;
    if (x < 0.14) extra.geolocation = [r() < 0.6 ? 'acEU' : 'acNA'];
    else if (x < 0.20) extra.geolocation = [['acEU_DE', 'acNA_US', 'acEU_FR', 'acEU_FI'][Math.floor(r() * 4)]!];
    else if (x < 0.24) extra.geolocation = ['a!cAS'];
    else if (x < 0.26) {
      version = 7; // v7: nodes without enterprise
      extra.nodes = Array.from({ length: 3 + Math.floor(r() * 3) }, () => `${nodes[Math.floor(r() * nodes.length)]!.ip}:16127`);
    } else if (x < 0.29) extra.staticip = true;
    else if (x < 0.30) extra.datacenter = true;
    const spec = {
      version, name, description: 'perf', owner: '1PerfOwnerAddress',
      compose: [{
        name: 'web', description: 'w', repotag: 'registry.local/perf:1', ports: [30000 + (i % 9000) + 1000], domains: [''], environmentParameters: [], commands: [],
        containerPorts: [80], containerData: synced ? 's:/data' : '/data', cpu, ram, hdd, ...(version === 7 ? { tiered: false, secrets: '', repoauth: '' } : { repoauth: '' }),
      }],
      instances: 3, contacts: [], geolocation: [], expire: 22000, nodes: [], staticip: false, ...(version === 8 ? { enterprise: '' } : {}), ...extra,
    };
    return { name, spec };
  });
}

