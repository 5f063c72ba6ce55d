import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help });
}

/**
 * Created on first use and looked up by name afterwards, so several app instances in one process
 * (tests) share them instead of failing on a duplicate registration.
 */
export const routingMetrics = {
  get reloads() { return counter('fluxplane_haproxy_reloads_total', 'HAProxy reloads confirmed by show proc'); },
  get reloadsFailed() { return counter('fluxplane_haproxy_reloads_failed_total', 'HAProxy reloads that failed or were not confirmed'); },
  get runtimeApplies() { return counter('fluxplane_haproxy_runtime_applies_total', 'Route changes applied through the runtime API, without a reload'); },
  get runtimeFallbacks() { return counter('fluxplane_haproxy_runtime_fallbacks_total', 'Runtime API applies that failed and fell back to a reload'); },
  get applyFailures() { return counter('fluxplane_routes_apply_failures_total', 'Route applies that failed (config rejected, HAProxy unreachable, reload failed)'); },
  get applyDuration() {
    const name = 'fluxplane_routes_apply_duration_seconds';
    return (register.getSingleMetric(name) as Histogram<'method'>) ?? new Histogram({
      name,
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
