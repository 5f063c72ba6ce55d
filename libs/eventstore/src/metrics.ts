import { Counter, Gauge, register } from 'prom-client';

function counter(name: string, help: string): Counter<'projection'> {
  return (register.getSingleMetric(name) as Counter<'projection'>) ?? new Counter({ name, help, labelNames: ['projection'] });
}

function gauge(name: string, help: string): Gauge<'projection'> {
  return (register.getSingleMetric(name) as Gauge<'projection'>) ?? new Gauge({ name, help, labelNames: ['projection'] });
}

/** Created on first use so that a process without projections exports none of them. */
export const projectionMetrics = {
  get applied() { return counter('fluxplane_projection_events_applied_total', 'Events applied by a projection'); },
  get skipped() { return counter('fluxplane_projection_events_skipped_total', 'Redelivered events skipped because the checkpoint was already past them'); },
  get parked() { return counter('fluxplane_projection_events_parked_total', 'Poison events parked with their error'); },
  get retries() { return counter('fluxplane_projection_retries_total', 'Failed attempts to apply an event'); },
  get position() { return gauge('fluxplane_projection_position', 'Stream sequence of the last event a projection handled'); },
  get pending() { return gauge('fluxplane_projection_pending', 'Events waiting for a projection (lag)'); },
};
