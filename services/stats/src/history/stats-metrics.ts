import { ACTIVITY_KINDS, type NetworkFigures } from '@fluxplane/contracts';
import { TIERS } from '@fluxplane/flux-spec';
import { counter, gauge } from '@fluxplane/service-kit';
import { INSTANCE_STATES } from '../domain';

/*
 * The network's current figures for Prometheus, as of the latest sample (so they equal the history's
 * newest point), and the activity counters since the stream began (from the projection's totals:
 * exactly once per event, the same after a restart).
 */
const nodes = gauge({ name: 'fluxplane_stats_nodes', help: 'Confirmed nodes by collateral tier and state (up: heard from lately)', labelNames: ['tier', 'state'] });
const apps = gauge({ name: 'fluxplane_stats_apps', help: 'Registered apps that are not expired' });
const instances = gauge({ name: 'fluxplane_stats_instances', help: 'Instances by state (scheduled, running, failed, stopped)', labelNames: ['state'] });
const resources = gauge({
  name: 'fluxplane_stats_resources', help: 'Resources of the nodes of a tier: used by placements, free on up nodes (cpu in cores, ram in MB, hdd in GB)',
  labelNames: ['tier', 'resource', 'kind'],
});
const activity = counter({
  name: 'fluxplane_stats_activity_total', help: 'Placement and healing activity since the event stream began: instances started, failed, moved; master elections and changes',
  labelNames: ['kind'],
});
export const samplesTaken = counter({ name: 'fluxplane_stats_samples_total', help: 'Network samples this process stored' });
export const sampleErrors = counter({ name: 'fluxplane_stats_sample_errors_total', help: 'Sampling rounds that failed (retried at the next instant)' });
const lastSample = gauge({ name: 'fluxplane_stats_last_sample_timestamp_seconds', help: 'Instant of the latest sample this process took (Unix seconds)' });

export function publishFigures(at: number, f: NetworkFigures): void {
  for (const tier of TIERS) {
    nodes.set({ tier, state: 'up' }, f.nodes.upByTier[tier]);
    nodes.set({ tier, state: 'down' }, f.nodes.byTier[tier] - f.nodes.upByTier[tier]);
    const r = f.resources[tier];
    for (const [resource, v] of [['cpu', r.cpu], ['ramMb', r.ramMb], ['hddGb', r.hddGb]] as const) {
      resources.set({ tier, resource, kind: 'used' }, v.used);
      resources.set({ tier, resource, kind: 'free' }, v.free);
    }
  }
  apps.set(f.apps.total);
  for (const state of INSTANCE_STATES) instances.set({ state }, f.instances[state]);
  lastSample.set(at / 1000);
}

/** Sets the counters to the projection's totals (a counter of this process starts at them). */
export function publishActivityTotals(totals: Record<string, number>): void {
  for (const kind of ACTIVITY_KINDS) {
    activity.remove({ kind });
    activity.inc({ kind }, totals[kind] ?? 0);
  }
}
