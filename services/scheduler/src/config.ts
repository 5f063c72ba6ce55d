import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';
import { DEFAULT_HARDWARE, type Hardware, type Resources } from './domain';

/** A JSON-valued variable; a parse error becomes a validation message naming the variable. */
const json = <S extends z.ZodType>(schema: S) => z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  try { return JSON.parse(v); } catch { return v; }
}, schema);

/** Operators speak cores, MB and GB; the scheduler counts cpu in tenths. */
const HardwareSpec = z.object({ cores: z.number().positive(), ramMb: z.number().int().positive(), hddGb: z.number().int().positive() });
const LockedSpec = z.object({ cores: z.number().nonnegative(), ramMb: z.number().int().nonnegative(), hddGb: z.number().int().nonnegative() });

export const SchedulerConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16143),
  /** Full reconcile of every app, on top of the event-driven ones: a safety net. */
  SCHEDULER_RECONCILE_INTERVAL_MS: envNumber(z.coerce.number().int().positive().default(5000)),
  /** Events for one app within this window are decided together. */
  SCHEDULER_DEBOUNCE_MS: envNumber(z.coerce.number().int().nonnegative().default(20)),
  /** Decide-append attempts per app when other writers keep winning the race. */
  SCHEDULER_MAX_ATTEMPTS: envNumber(z.coerce.number().int().positive().default(5)),
  /** A node whose agent has sent heartbeats and then stays silent this long is declared down. */
  NODE_DOWN_AFTER_MS: envNumber(z.coerce.number().int().min(500).default(5000)),
  /** Per-tier node capacity, e.g. {"CUMULUS":{"cores":4,"ramMb":7000,"hddGb":220},…}; default FluxOS's. */
  SCHEDULER_TIER_CAPACITY: json(z.object({ CUMULUS: HardwareSpec, NIMBUS: HardwareSpec, STRATUS: HardwareSpec }).partial()).optional(),
  /** What every node keeps for itself, e.g. {"cores":1,"ramMb":2000,"hddGb":60} (the default). */
  SCHEDULER_LOCKED_RESOURCES: json(LockedSpec).optional(),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;

const toResources = (s: { cores: number; ramMb: number; hddGb: number }): Resources => ({ cpu: Math.round(s.cores * 10), ram: s.ramMb, hdd: s.hddGb });

export function hardwareFrom(config: Pick<SchedulerConfig, 'SCHEDULER_TIER_CAPACITY' | 'SCHEDULER_LOCKED_RESOURCES'>): Hardware {
  const capacity = { ...DEFAULT_HARDWARE.capacity };
  for (const [tier, spec] of Object.entries(config.SCHEDULER_TIER_CAPACITY ?? {})) {
    if (spec) capacity[tier as keyof typeof capacity] = toResources(spec);
  }
  const locked = config.SCHEDULER_LOCKED_RESOURCES ? toResources(config.SCHEDULER_LOCKED_RESOURCES) : DEFAULT_HARDWARE.locked;
  return { capacity, locked };
}
