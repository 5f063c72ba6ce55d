import { z } from 'zod';
import { BaseConfig, envNumber } from '@fluxplane/service-kit';
import { DEFAULT_HARDWARE, type ElectionConfig, type Hardware, type LivenessConfig, type Resources } from './domain';

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
  /**
   * Apps whose placement appends may be in flight at once (decisions themselves are made one at a
   * time). Many in flight fill each socket write and each read with many publishes and acks: at
   * 12,000 nodes and 5,000 apps, 2048 used ~5 % less CPU per placement than 512 (perf/scheduler).
   */
  SCHEDULER_CONCURRENCY: envNumber(z.coerce.number().int().positive().default(2048)),
  /** Decide-append attempts per app when other writers keep winning the race. */
  SCHEDULER_MAX_ATTEMPTS: envNumber(z.coerce.number().int().positive().default(5)),
  /**
   * A node whose agent has been heard and then stays silent longer than this is declared down. With
   * the 100 ms judging tick and the append, 2500 declares a node down within 3 s of its last heartbeat.
   */
  NODE_DOWN_AFTER_MS: envNumber(z.coerce.number().int().min(500).max(600_000).default(2500)),
  /** A node back from down counts up (eligible again) only after heartbeats without a gap for this long. */
  NODE_BACK_AFTER_MS: envNumber(z.coerce.number().int().nonnegative().max(3_600_000).default(5000)),
  /** A node that flaps serves a doubled probation each time, up to this. */
  NODE_BACK_AFTER_MAX_MS: envNumber(z.coerce.number().int().nonnegative().max(3_600_000).default(60_000)),
  /** A node going down within this of coming back flapped. */
  NODE_FLAP_WINDOW_MS: envNumber(z.coerce.number().int().nonnegative().max(3_600_000).default(60_000)),
  /** A placed instance expected to run and not reported started within this is a failed start (placed elsewhere). */
  INSTANCE_START_DEADLINE_MS: envNumber(z.coerce.number().int().min(1000).max(86_400_000).default(180_000)),
  /** This scheduler's name in the leader lease (default: generated per process). */
  SCHEDULER_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'SCHEDULER_ID: letters, digits, . _ - (1-100)').optional(),
  /** The active scheduler's lease; a standby takes over after lease + margin without a renewal. */
  SCHEDULER_LEASE_MS: envNumber(z.coerce.number().int().min(200).max(60_000).default(2000)),
  SCHEDULER_LEASE_MARGIN_MS: envNumber(z.coerce.number().int().nonnegative().max(60_000).default(1000)),
  /** How long a g: master may run without renewing its lease (written into each MasterElected). */
  MASTER_LEASE_MS: envNumber(z.coerce.number().int().min(500).default(3000)),
  /** Waited on top of the old lease before a new term: renewal delivery and clock-rate differences. */
  MASTER_LEASE_MARGIN_MS: envNumber(z.coerce.number().int().nonnegative().default(1000)),
  /** A node's sync report makes it eligible when received within this and its folder was complete within this of the report. */
  MASTER_SYNC_FRESH_MS: envNumber(z.coerce.number().int().min(500).default(10_000)),
  /** Decide-append attempts per app on concurrent MasterElected appends. */
  MASTER_ELECT_MAX_ATTEMPTS: envNumber(z.coerce.number().int().positive().default(5)),
  /** Per-tier node capacity, e.g. {"CUMULUS":{"cores":4,"ramMb":7000,"hddGb":220},…}; default FluxOS's. */
  SCHEDULER_TIER_CAPACITY: json(z.object({ CUMULUS: HardwareSpec, NIMBUS: HardwareSpec, STRATUS: HardwareSpec }).partial()).optional(),
  /** What every node keeps for itself, e.g. {"cores":1,"ramMb":2000,"hddGb":60} (the default). */
  SCHEDULER_LOCKED_RESOURCES: json(LockedSpec).optional(),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;

export function livenessConfig(c: Pick<SchedulerConfig, 'NODE_DOWN_AFTER_MS' | 'NODE_BACK_AFTER_MS' | 'NODE_BACK_AFTER_MAX_MS' | 'NODE_FLAP_WINDOW_MS'>): LivenessConfig {
  return { downAfterMs: c.NODE_DOWN_AFTER_MS, backAfterMs: c.NODE_BACK_AFTER_MS, backAfterMaxMs: Math.max(c.NODE_BACK_AFTER_MS, c.NODE_BACK_AFTER_MAX_MS), flapWindowMs: c.NODE_FLAP_WINDOW_MS };
}

export function electionConfig(c: Pick<SchedulerConfig, 'MASTER_LEASE_MS' | 'MASTER_LEASE_MARGIN_MS' | 'MASTER_SYNC_FRESH_MS'>): ElectionConfig {
  return { leaseMs: c.MASTER_LEASE_MS, marginMs: c.MASTER_LEASE_MARGIN_MS, syncFreshMs: c.MASTER_SYNC_FRESH_MS };
}

const toResources = (s: { cores: number; ramMb: number; hddGb: number }): Resources => ({ cpu: Math.round(s.cores * 10), ram: s.ramMb, hdd: s.hddGb });

export function hardwareFrom(config: Pick<SchedulerConfig, 'SCHEDULER_TIER_CAPACITY' | 'SCHEDULER_LOCKED_RESOURCES'>): Hardware {
  const capacity = { ...DEFAULT_HARDWARE.capacity };
  for (const [tier, spec] of Object.entries(config.SCHEDULER_TIER_CAPACITY ?? {})) {
    if (spec) capacity[tier as keyof typeof capacity] = toResources(spec);
  }
  const locked = config.SCHEDULER_LOCKED_RESOURCES ? toResources(config.SCHEDULER_LOCKED_RESOURCES) : DEFAULT_HARDWARE.locked;
  return { capacity, locked };
}
