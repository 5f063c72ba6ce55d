import { counter, histogram } from '@fluxplane/service-kit';

/** Created on first use, so a process that never applies routes exports none of them. */
export const routingMetrics = {
  get reloads() { return counter({ name: 'fluxplane_haproxy_reloads_total', help: 'HAProxy reloads confirmed by show proc' }); },
  get reloadsFailed() { return counter({ name: 'fluxplane_haproxy_reloads_failed_total', help: 'HAProxy reloads that failed or were not confirmed' }); },
  get runtimeApplies() { return counter({ name: 'fluxplane_haproxy_runtime_applies_total', help: 'Route changes applied through the runtime API, without a reload' }); },
  get runtimeFallbacks() { return counter({ name: 'fluxplane_haproxy_runtime_fallbacks_total', help: 'Runtime API applies that failed and fell back to a reload' }); },
  get applyFailures() { return counter({ name: 'fluxplane_routes_apply_failures_total', help: 'Route applies that failed (config rejected, HAProxy unreachable, reload failed)' }); },
  get instanceFacts() { return counter({ name: 'fluxplane_routes_instance_facts_total', help: 'InstanceRouted / InstanceDrained appended', labelNames: ['type'] }); },
  get applyDuration() {
    return histogram({
      name: 'fluxplane_routes_apply_duration_seconds',
      help: 'Time from reading the projection to HAProxy serving the new routes, by method (none, runtime, reload)',
      labelNames: ['method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  },
};

/** Registers every metric, so dashboards see zeros instead of missing series. */
export function initRoutingMetrics(): void {
  for (const key of Object.keys(routingMetrics) as Array<keyof typeof routingMetrics>) void routingMetrics[key];
}
