import type { Tier } from './tiers';

/** cpu in tenths of a core (integers avoid float drift when summing), ram in MB, hdd in GB. */
export interface Resources {
  cpu: number;
  ram: number;
  hdd: number;
}

/**
 * Node capacity per tier (FluxOS CFG `fluxSpecifics`, fluxos.md §1.3 and §5). The scheduler may be
 * configured with other figures; these are the protocol's.
 */
export const TIER_CAPACITY: Readonly<Record<Tier, Readonly<Resources>>> = {
  CUMULUS: { cpu: 40, ram: 7000, hdd: 220 },
  NIMBUS: { cpu: 80, ram: 30000, hdd: 440 },
  STRATUS: { cpu: 160, ram: 61000, hdd: 880 },
};

/** What FluxOS keeps for itself on every node (`lockedSystemResources`); apps get capacity minus this. */
export const LOCKED_RESOURCES: Readonly<Resources> = { cpu: 10, ram: 2000, hdd: 60 };

/** Largest allocation an app may request on a tier: its capacity minus the locked share. */
export function tierMaximum(tier: Tier): Resources {
  const c = TIER_CAPACITY[tier];
  return { cpu: c.cpu - LOCKED_RESOURCES.cpu, ram: c.ram - LOCKED_RESOURCES.ram, hdd: c.hdd - LOCKED_RESOURCES.hdd };
}
