import { Controller, Get } from '@nestjs/common';
import { DnsApplier } from '../reconcile/dns-applier';

/** The DNS provider and the last pass that changed records (served when DNS_PROVIDER is set). */
@Controller()
export class DnsController {
  constructor(private readonly applier: DnsApplier) {}

  @Get('dns')
  dns() {
    const last = this.applier.last;
    return {
      status: 'success',
      data: {
        provider: this.applier.providerName,
        lastChange: last
          ? { appliedAt: last.at.toISOString(), durationMs: last.durationMs, zones: last.changes.map((c) => ({ zone: c.zone, upserted: c.upserts, deleted: c.deletes })) }
          : null,
      },
    };
  }
}
