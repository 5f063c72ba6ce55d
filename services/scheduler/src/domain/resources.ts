import type { ComponentRun, Tier } from '@fluxplane/contracts';

/** cpu in tenths of a core (integers avoid float drift when summing), ram in MB, hdd in GB. */
export interface Resources {
  cpu: number;
  ram: number;
  hdd: number;
}

export type CapacityTable = Record<Tier, Resources>;

/** Tier capacity, FluxOS CFG `fluxSpecifics` (fluxos.md §1.3, §5). */
export const DEFAULT_TIER_CAPACITY: CapacityTable = {
  CUMULUS: { cpu: 40, ram: 7000, hdd: 220 },
  NIMBUS: { cpu: 80, ram: 30000, hdd: 440 },
  STRATUS: { cpu: 160, ram: 61000, hdd: 880 },
};

/** What FluxOS keeps for itself on every node (`lockedSystemResources`). */
export const DEFAULT_LOCKED: Resources = { cpu: 10, ram: 2000, hdd: 60 };

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

export const DEFAULT_HARDWARE: Hardware = { capacity: DEFAULT_TIER_CAPACITY, locked: DEFAULT_LOCKED };

export function allocatableFor(hw: Hardware, tier: Tier): Resources {
  return allocatable(hw.capacity[tier], hw.locked);
}
