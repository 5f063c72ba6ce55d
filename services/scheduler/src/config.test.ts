import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@fluxplane/service-kit';
import { hardwareFrom, SchedulerConfig } from './config';
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
});
