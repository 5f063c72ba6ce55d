import { counter, gauge } from '@fluxplane/service-kit';

export const certMetrics = {
  get issued() { return counter({ name: 'fluxplane_certificates_issued_total', help: 'Certificates obtained from the ACME CA, by kind (new, renewal)', labelNames: ['kind'] }); },
  get failures() { return counter({ name: 'fluxplane_certificate_failures_total', help: 'ACME issuances that failed (retried with backoff)' }); },
  get installs() { return counter({ name: 'fluxplane_certificate_installs_total', help: 'Certificates loaded into HAProxy through the runtime API (no reload)' }); },
  get served() { return gauge({ name: 'fluxplane_certificates_served', help: 'Certificates HAProxy serves on its HTTPS frontend' }); },
  get syncFailures() { return counter({ name: 'fluxplane_certificate_sync_failures_total', help: 'Runs that could not make HAProxy serve the stored certificates' }); },
};

export function initCertMetrics(): void {
  for (const key of Object.keys(certMetrics) as Array<keyof typeof certMetrics>) void certMetrics[key];
}
