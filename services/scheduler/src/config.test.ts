import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { hardwareFrom, livenessConfig, SchedulerConfig } from './config';
import { DEFAULT_HARDWARE } from './domain';

describe('scheduler config', () => {
  it('defaults to FluxOS tier capacities and locked resources', () => {
    const c = loadConfig(SchedulerConfig, {});
    expect(c.SCHEDULER_RECONCILE_INTERVAL_MS).toBe(5000);
    expect(hardwareFrom(c)).toEqual(DEFAULT_HARDWARE);
  });

  it('takes capacities in cores/MB/GB from JSON and counts cpu in tenths', () => {
    const c = loadConfig(SchedulerConfig, {
      SCHEDULER_TIER_CAPACITY: '{"CUMULUS":{"cores":2,"ramMb":4000,"hddGb":100}}',
      SCHEDULER_LOCKED_RESOURCES: '{"cores":0.5,"ramMb":500,"hddGb":10}',
    });
    const hw = hardwareFrom(c);
    expect(hw.capacity.CUMULUS).toEqual({ cpu: 20, ram: 4000, hdd: 100 });
    expect(hw.capacity.NIMBUS).toEqual(DEFAULT_HARDWARE.capacity.NIMBUS);
    expect(hw.locked).toEqual({ cpu: 5, ram: 500, hdd: 10 });
  });

  it('names a malformed variable', () => {
    expect(() => loadConfig(SchedulerConfig, { SCHEDULER_TIER_CAPACITY: '{oops' })).toThrow(ConfigError);
    expect(() => loadConfig(SchedulerConfig, { SCHEDULER_TIER_CAPACITY: '{oops' })).toThrow(/SCHEDULER_TIER_CAPACITY/);
  });

  it('defaults liveness to a 2.5 s threshold with a probation, and names a bad liveness or lease variable', () => {
    const c = loadConfig(SchedulerConfig, {});
    expect(livenessConfig(c)).toEqual({ downAfterMs: 2500, backAfterMs: 5000, backAfterMaxMs: 60_000, flapWindowMs: 60_000 });
    expect(c.SCHEDULER_LEASE_MS).toBe(2000);
    expect(livenessConfig(loadConfig(SchedulerConfig, { NODE_BACK_AFTER_MS: '9000', NODE_BACK_AFTER_MAX_MS: '1000' })).backAfterMaxMs).toBe(9000);
    expect(() => loadConfig(SchedulerConfig, { NODE_DOWN_AFTER_MS: '100' })).toThrow(/NODE_DOWN_AFTER_MS/);
    expect(() => loadConfig(SchedulerConfig, { NODE_BACK_AFTER_MS: '' })).toThrow(/NODE_BACK_AFTER_MS/);
    expect(() => loadConfig(SchedulerConfig, { INSTANCE_START_DEADLINE_MS: 'soon' })).toThrow(/INSTANCE_START_DEADLINE_MS/);
    expect(() => loadConfig(SchedulerConfig, { SCHEDULER_ID: 'a b' })).toThrow(/SCHEDULER_ID/);
    expect(() => loadConfig(SchedulerConfig, { SCHEDULER_LEASE_MS: '50' })).toThrow(/SCHEDULER_LEASE_MS/);
  });
});
