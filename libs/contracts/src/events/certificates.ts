import { z } from 'zod';
import { defineEvent } from '../define-event';

/**
 * The domain manager obtained a certificate for `name` from its ACME CA and HAProxy serves it
 * (installed through the runtime API, no reload). `renewal` is true when it replaced an earlier one.
 */
export const CertificateIssued = defineEvent('CertificateIssued', 1, z.object({
  /** The DNS name certified (lowercase), e.g. `demo.app.fluxplane.test`. */
  name: z.string().min(1).max(253),
  /** The certificate's serial number, hex as X.509 tools print it. */
  serial: z.string().min(1),
  issuer: z.string(),
  notBefore: z.string().datetime(),
  notAfter: z.string().datetime(),
  renewal: z.boolean(),
}));
