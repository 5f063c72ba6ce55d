import { Inject, Injectable } from '@nestjs/common';
import { deterministicId, makeEvent, Subjects, type EventEnvelope } from '@fluxplane/contracts';
import { ConcurrencyError, EventStore, NO_STREAM } from '@fluxplane/eventstore';
import { LOGGER, type Logger } from '@fluxplane/service-kit';
import { fingerprint, isNews, type InstanceReport } from '../domain/report';

const MAX_ATTEMPTS = 5;

/**
 * Appends an instance's state to its subject (`evt.instance.<app>.<node>`) when it is news: the
 * subject's last event is read, compared, and the new one appended at that revision, so a second
 * writer (an overlapping restart of this agent) cannot make the same report twice; a conflict
 * means "read again and decide again".
 *
 * What was last stored per subject is remembered, so a steady node costs no reads on each pass.
 */
@Injectable()
export class InstanceReporter {
  private readonly stored = new Map<string, string>();

  constructor(
    private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** True when an event was appended. */
  async report(report: InstanceReport): Promise<boolean> {
    const subject = Subjects.instance(report.data.app, report.data.nodeId);
    const fp = fingerprint(report);
    if (this.stored.get(subject) === fp) return false;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const last = await this.store.last(subject);
      if (!isNews(report, last?.event ?? null)) {
        this.stored.set(subject, fp);
        return false;
      }
      const revision = last?.seq ?? NO_STREAM;
      // The id is derived from what is decided and where, so a retried append is stored once.
      const event = toEvent(report, subject, deterministicId('node-agent', subject, revision, fp));
      try {
        await this.store.append(subject, [event], revision);
      } catch (err) {
        if (err instanceof ConcurrencyError) continue;
        throw err;
      }
      this.stored.set(subject, fp);
      this.logger.info({ subject, type: report.type, specHash: 'specHash' in report.data ? report.data.specHash : undefined }, `reported ${report.type}`);
      return true;
    }
    throw new Error(`could not report ${report.type} on ${subject}: ${MAX_ATTEMPTS} concurrent writes in a row`);
  }
}

function toEvent(r: InstanceReport, subject: string, id: string): EventEnvelope {
  switch (r.type) {
    case 'InstanceStarted':
      return makeEvent('InstanceStarted', subject, r.data, { id });
    case 'InstanceFailed':
      return makeEvent('InstanceFailed', subject, r.data, { id });
    case 'InstanceStopped':
      return makeEvent('InstanceStopped', subject, r.data, { id });
  }
}
