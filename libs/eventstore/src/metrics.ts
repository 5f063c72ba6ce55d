import { counter, gauge } from '@fluxplane/observability';

const labelNames = ['projection'] as const;

/** Created on first use so that a process without projections exports none of them. */
export const projectionMetrics = {
  get applied() { return counter({ name: 'fluxplane_projection_events_applied_total', help: 'Events applied by a projection', labelNames }); },
  get skipped() { return counter({ name: 'fluxplane_projection_events_skipped_total', help: 'Redelivered events skipped because the checkpoint was already past them', labelNames }); },
  get parked() { return counter({ name: 'fluxplane_projection_events_parked_total', help: 'Poison events parked with their error', labelNames }); },
  get batches() { return counter({ name: 'fluxplane_projection_transactions_total', help: 'Transactions a projection committed (one per batch of consecutive events)', labelNames }); },
  get retries() { return counter({ name: 'fluxplane_projection_retries_total', help: 'Failed attempts to apply an event', labelNames }); },
  get position() { return gauge({ name: 'fluxplane_projection_position', help: 'Stream sequence of the last event a projection handled', labelNames }); },
  get active() { return gauge({ name: 'fluxplane_projection_active', help: '1 while this replica consumes and applies the projection (holds its lease), 0 while it stands by', labelNames }); },
  get pending() { return gauge({ name: 'fluxplane_projection_pending', help: 'Events waiting for a projection (lag)', labelNames }); },
};
