import { z } from 'zod';
import { defineEvent } from '../define-event';

/** An rrset as fluxplane writes it: a fully qualified name (no trailing dot), a type, its values. */
export const DnsRecordSet = z.object({
  name: z.string().min(1).max(253),
  type: z.enum(['A', 'AAAA']),
  ttl: z.number().int().positive(),
  contents: z.array(z.string().min(1)).min(1),
});
export type DnsRecordSet = z.infer<typeof DnsRecordSet>;

/**
 * The DNS provider now answers these changes (the domain manager's record of effect, after the
 * provider accepted every zone's batch). `upserted` and `deleted` name what changed in this pass, so a
 * reader can time "a new app → its name resolves" from the event that carries its name.
 */
export const DnsRecordsApplied = defineEvent('DnsRecordsApplied', 1, z.object({
  domain: z.string().min(1),
  provider: z.string().min(1),
  zones: z.array(z.object({
    zone: z.string().min(1),
    upserted: z.array(DnsRecordSet),
    deleted: z.array(z.object({ name: z.string().min(1), type: z.enum(['A', 'AAAA']) })),
  })),
}));
