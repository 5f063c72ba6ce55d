import { Inject, Injectable } from '@nestjs/common';
import { deterministicId, FluxMessage, makeEvent, Refusal, Subjects, type SubmittedAppMessage } from '@fluxplane/contracts';
import { CONFIG, LOGGER, Logger, ProjectionHost } from '@fluxplane/service-kit';
import { customDomains, defaultExpire, FluxAppSpec, nameKey, runtimeView, PriceScheduleEntry, registrationAmount, updateAmount, verifyMessage } from '@fluxplane/flux-spec';
import { ANY, EventStore } from '@fluxplane/eventstore';
import { AppAggregateStore } from './adapters/aggregate-store';
import { decideDomainClaims } from './domain/domain-claims';
import { decideAccept, decideExpire, decidePromote, decideRollback, revertCount } from './domain/app-aggregate';
import { RegistryReader } from './projections/registry.reader';
import { Prices } from './projections/prices.reader';
import type { RegistryConfig } from './config';

/**
 * Takes signed messages in, and turns paid ones into registrations. Every decision is made on the
 * app aggregate read from the event store (not on the projection, which may lag) and appended with
 * its expected revision.
 */
@Injectable()
export class RegistryService {
  /** Hashes already logged as not promotable, so each pass does not log them again. */
  private readonly notPromoted = new Set<string>();

  constructor(
    private readonly aggregates: AppAggregateStore,
    private readonly reader: RegistryReader,
    private readonly prices: Prices,
    private readonly projections: ProjectionHost,
    private readonly store: EventStore,
    @Inject(CONFIG) private readonly config: RegistryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Verifies a register/update message at the current chain height and records it as temporary. */
  async submit(message: FluxMessage, correlationId?: string, now = new Date()): Promise<SubmittedAppMessage> {
    const height = (await this.reader.height()) + this.config.RULES_HEIGHT_OFFSET;
    const spec = message.appSpecifications as { name?: unknown };
    const name = typeof spec.name === 'string' ? spec.name : '';
    const current = name ? await this.reader.app(nameKey(name)) : undefined;
    const update = message.type === 'fluxappupdate' || message.type === 'zelappupdate';
    const verdict = verifyMessage(message, {
      height,
      now: this.config.MESSAGE_MAX_AGE_MS > 0 ? now.getTime() : undefined,
      previousOwner: update && current?.active ? current.owner : undefined,
      previousSpec: update && current?.active ? current.spec : undefined,
      nameTaken: update ? undefined : (key) => key === current?.nameKey && current.active,
    });
    if (!verdict.ok) {
      if (update && !current?.active && verdict.error.rule === 'message.previousOwner') {
        throw new Refusal('AppNotFound', `app ${name} is not registered, so it cannot be updated`);
      }
      throw new Refusal(verdict.error.rule, verdict.error.message);
    }
    const owner = verdict.spec.owner;
    const formattedName = verdict.spec.name;
    await this.checkDomainClaims(formattedName, verdict.spec as unknown as Record<string, unknown>);
    // decideAccept's Refusal travels as it is: the responder answers it with the codes of the contract.
    await this.aggregates.transact(formattedName, (state) => {
      const signer = update && current?.active ? current.owner : owner;
      const data = decideAccept(state, { message, name: formattedName, owner, signer, receivedAt: now, ttlMs: this.config.TEMPORARY_MESSAGE_TTL_MS });
      const event = makeEvent('AppMessageAccepted', Subjects.app(formattedName), data, {
        id: deterministicId('AppMessageAccepted', message.hash),
        correlationId,
      });
      return { events: [event], result: undefined };
    });
    this.logger.info({ app: formattedName, hash: message.hash, type: message.type, height }, 'message accepted');
    return { hash: message.hash, warnings: verdict.warnings.map((w) => w.message) };
  }

  /** Refuses (DomainTaken) a spec claiming a custom domain that another registered app already claims. */
  private async checkDomainClaims(name: string, spec: Record<string, unknown>): Promise<void> {
    const claimed = customDomains(runtimeView(spec)).map((c) => c.domain);
    decideDomainClaims(name, claimed, await this.reader.domainClaimants(claimed, nameKey(name)));
  }

  /**
   * Undoes what was decided from a losing branch, then promotes every temporary message that has a
   * payment and expires apps past their height.
   */
  async react(): Promise<void> {
    await this.rollBack();
    const paid = await this.reader.paidTemporaryMessages();
    // Read after the payments: chain events come in block order, so every price soft fork below a
    // payment just read is already in the projection.
    const schedule = paid.length ? await this.prices.schedule() : [];
    for (const { message, payment } of paid) {
      await this.promote(message.name, message.message, message.validUntil, payment, schedule).catch((err) =>
        this.logger.error({ hash: message.hash, err: String(err) }, 'promotion failed'));
    }
    const height = await this.reader.height();
    for (const app of await this.reader.expiredApps(height)) {
      await this.aggregates.transact(app.name, (state) => {
        const data = decideExpire(state, height);
        if (!data) return { events: [], result: undefined };
        this.logger.info({ app: app.name, hash: app.hash, height }, 'app expired');
        const id = decisionId('AppExpired', app.hash, revertCount(state, 'AppExpired', app.hash));
        return { events: [makeEvent('AppExpired', Subjects.app(app.name), data, { id })], result: undefined };
      });
    }
  }

  private async promote(
    name: string, message: FluxMessage, validUntil: Date, payment: { txid: string; height: number; amountSat: number; seenAt: Date },
    schedule: readonly PriceScheduleEntry[],
  ) {
    await this.aggregates.transact(name, (state) => {
      const update = message.type === 'fluxappupdate' || message.type === 'zelappupdate';
      const previous = state.current?.active ? state.current : undefined;
      // Hash and signature were verified on acceptance; this formats the spec and checks the signer again.
      const rulesHeight = payment.height + this.config.RULES_HEIGHT_OFFSET;
      const v = verifyMessage(message, { height: rulesHeight, skipSpecRules: true, previousOwner: update ? previous?.owner : undefined });
      if (!v.ok) {
        this.logger.warn({ hash: message.hash, err: v.error }, 'paid message no longer verifies; not promoted');
        return { events: [], result: undefined };
      }
      const spec = v.spec;
      const required = update && previous
        ? updateAmount(spec, rulesHeight, { spec: previous.spec as unknown as FluxAppSpec, height: previous.height + this.config.RULES_HEIGHT_OFFSET }, schedule)
        : registrationAmount(spec, rulesHeight, schedule);
      const expireBlocks = spec.version >= 6 && spec.expire ? spec.expire : defaultExpire(rulesHeight);
      const decision = decidePromote(state, {
        hash: message.hash, message, owner: spec.owner, name: spec.name, spec: spec as unknown as Record<string, unknown>,
        payment, priceFlux: required, validUntil, expireBlocks,
      });
      if (decision.kind === 'none') {
        if (!this.notPromoted.has(message.hash)) this.logger.info({ hash: message.hash, reason: decision.reason }, 'payment not promoted');
        this.notPromoted.add(message.hash);
        return { events: [], result: undefined };
      }
      this.logger.info({ app: spec.name, hash: message.hash, kind: decision.kind, height: payment.height }, 'app registration recorded');
      const id = decisionId(decision.kind, message.hash, revertCount(state, decision.kind, message.hash));
      const event = makeEvent(decision.kind, Subjects.app(name), decision.data, { id });
      return { events: [event], result: undefined };
    });
  }

  /**
   * Chain reorganisations recorded by the projection (ChainReorganized): every app decision made from
   * chain facts above the lowest fork height is undone (see decideRollback). Candidates are read from
   * the projection, so first it must hold every decision appended so far — including those this
   * reactor appended from a prefix of the stream that still had the losing branch: `catchUp` waits
   * until the projection has applied everything stored at this moment. Decisions taken after that
   * read a projection that already holds the reorganisation's compensations, so none of them can come
   * from the losing branch. The records are cleared only once every affected app was handled.
   */
  private async rollBack(): Promise<void> {
    if ((await this.reader.pendingRollbacks()).length === 0) return;
    await this.projections.catchUp();
    // Read again after catching up: an AppRollbacksHandled appended by the previous pass may just have
    // been applied, and handling its reorganisations twice would undo the winning branch's decisions.
    const pending = await this.reader.pendingRollbacks();
    if (pending.length === 0) return;
    const forkHeight = Math.min(...pending.map((p) => p.forkHeight));
    for (const name of await this.reader.appsDecidedAbove(forkHeight)) {
      await this.aggregates.transact(name, (state) => {
        // Each revert of a decision is a distinct event: its id counts the earlier reverts of that decision.
        const events = decideRollback(state, forkHeight).map((d) => {
          const n = d.type === 'AppExpiryReverted' ? revertCount(state, 'AppExpired', d.data.hash) : revertCount(state, d.data.reverted, d.data.hash);
          return d.type === 'AppExpiryReverted'
            ? makeEvent(d.type, Subjects.app(name), d.data, { id: deterministicId(d.type, d.data.hash, n) })
            : makeEvent(d.type, Subjects.app(name), d.data, { id: deterministicId(d.type, d.data.hash, n) });
        });
        if (events.length) this.logger.warn({ app: name, forkHeight, undone: events.map((e) => e.type) }, 'app decisions above a chain fork undone');
        return { events, result: undefined };
      });
    }
    // Recorded as an event, not by deleting the rows: a rebuild replays the ChainReorganized events,
    // and must see that they were handled (else it would revert decisions made on the winning branch).
    const reorgSeqs = pending.map((p) => p.seq);
    await this.store.append(Subjects.registry(), [makeEvent('AppRollbacksHandled', Subjects.registry(), { reorgSeqs, forkHeight },
      { id: deterministicId('AppRollbacksHandled', ...reorgSeqs) })], ANY);
  }
}

/** A decision's event id; one made again after being reverted gets a new one (see AppState.reverts). */
function decisionId(type: string, hash: string, reverted: number): string {
  return reverted === 0 ? deterministicId(type, hash) : deterministicId(type, hash, 'again', reverted);
}
