import type { Tier } from '../protocol/tiers';
import type { Resources } from '../protocol/resources';
import type { AppRuntime, RuntimeComponent } from './schema';

/** One component as a node of a tier runs it: the shape of `ComponentRun` in InstanceScheduled. */
export interface ComponentOnTier {
  name: string;
  image: string;
  ports: Array<{ host: number; container: number }>;
  environment: string[];
  commands: string[];
  containerData: string;
  data: RuntimeComponent['data'];
  cpu: number;
  ramMb: number;
  hddGb: number;
  /** The image needs the spec's registry credentials (asked for at pull time, never carried here). Set only when true. */
  privateImage?: boolean;
}

export function componentOnTier(c: RuntimeComponent, tier: Tier): ComponentOnTier {
  const r = c.resources[tier];
  return {
    name: c.name,
    image: c.image,
    ports: c.ports.map((p) => ({ host: p.host, container: p.container })),
    environment: c.environment,
    commands: c.commands,
    containerData: c.data?.raw ?? '',
    data: c.data,
    cpu: r.cpu,
    ramMb: r.ramMb,
    hddGb: r.hddGb,
    // Only when true: events of public components stay as they were.
    ...(c.privateImage ? { privateImage: true } : {}),
  };
}

/** What one instance of the app holds on a node of `tier`, in the scheduler's units (cpu in tenths). */
export function instanceDemand(app: AppRuntime, tier: Tier): Resources {
  return app.components.reduce<Resources>((acc, c) => {
    const r = c.resources[tier];
    return { cpu: acc.cpu + Math.round(r.cpu * 10), ram: acc.ram + r.ramMb, hdd: acc.hdd + r.hddGb };
  }, { cpu: 0, ram: 0, hdd: 0 });
}

/** Whether the app can be run at all (it has components and none of them is broken). */
export function isRunnable(app: AppRuntime): boolean {
  return app.components.length > 0 && app.problems.length === 0;
}
