import { counter, histogram } from '@fluxplane/service-kit';

/** Created on first use, so a process that writes no DNS exports none of them. */
export const dnsMetrics = {
  get applyFailures() { return counter({ name: 'fluxplane_dns_apply_failures_total', help: 'DNS passes that failed (provider unreachable or refusing)' }); },
  get batches() { return counter({ name: 'fluxplane_dns_zone_batches_total', help: 'Zone batches sent to the DNS provider (one per zone with changes per pass)' }); },
  get changes() { return counter({ name: 'fluxplane_dns_rrset_changes_total', help: 'rrsets written or removed at the DNS provider', labelNames: ['change'] }); },
  get applyDuration() {
    return histogram({
      name: 'fluxplane_dns_apply_duration_seconds',
      help: 'Time of one DNS pass: reading the projection and the provider, and applying the batches',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  },
};
