import type { ComponentRun } from '@fluxplane/contracts';
import { LOCKED_RESOURCES, TIER_CAPACITY, type Resources, type Tier } from '@fluxplane/flux-spec';

export type { Resources };

export type CapacityTable = Record<Tier, Resources>;

export const ZERO: Resources = { cpu: 0, ram: 0, hdd: 0 };

export function add(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu + b.cpu, ram: a.ram + b.ram, hdd: a.hdd + b.hdd };
}

export function sub(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu - b.cpu, ram: a.ram - b.ram, hdd: a.hdd - b.hdd };
}

export function fits(demand: Resources, free: Resources): boolean {
  return demand.cpu <= free.cpu && demand.ram <= free.ram && demand.hdd <= free.hdd;
}

/** What apps may use on a node of a tier: capacity minus the locked share. */
export function allocatable(capacity: Resources, locked: Resources): Resources {
  return sub(capacity, locked);
}

/** Resources an instance of these components holds on a node. */
export function demandOf(components: readonly ComponentRun[]): Resources {
  return components.reduce<Resources>(
    (acc, c) => add(acc, { cpu: Math.round(c.cpu * 10), ram: c.ramMb, hdd: c.hddGb }),
    ZERO,
  );
}

/** The scheduler's view of hardware: per-tier capacity and the locked share, both configurable. */
export interface Hardware {
  capacity: CapacityTable;
  locked: Resources;
}

/** The protocol's figures (libs/flux-spec); an operator may configure others. */
export const DEFAULT_HARDWARE: Hardware = {
  capacity: { CUMULUS: { ...TIER_CAPACITY.CUMULUS }, NIMBUS: { ...TIER_CAPACITY.NIMBUS }, STRATUS: { ...TIER_CAPACITY.STRATUS } },
  locked: { ...LOCKED_RESOURCES },
};

export function allocatableFor(hw: Hardware, tier: Tier): Resources {
  return allocatable(hw.capacity[tier], hw.locked);
}
