/**
 * The verify and price routes' logic, apart from HTTP: which rules height applies, what the
 * registry knows about the app, and flux-spec's verdict and price.
 */
import { Injectable } from '@nestjs/common';
import {
  appPricePerMonth, customDomains, FluxAppSpec, runtimeView, minimumAcceptedFlux, registrationAmount, SpecWarning, updateAmount, verifyAppSpec, nameKey,
} from '@fluxplane/flux-spec';
import { Refusal, type RegisteredSpec } from '@fluxplane/contracts';
import { Backend } from '../adapters/backend';
import { ImageChecks } from './image-checks';

export interface Verdict { spec: FluxAppSpec; warnings: SpecWarning[]; rulesHeight: number }

const nameOf = (raw: Record<string, unknown>): string | undefined =>
  typeof raw.name === 'string' && raw.name.length > 0 && raw.name.length <= 100 ? raw.name : undefined;

@Injectable()
export class SpecChecks {
  constructor(private readonly backend: Backend, private readonly images: ImageChecks) {}

  /** The registry's heights; `override` (a rules height from `?height=`) replaces the rules height. */
  async heights(override?: number): Promise<{ height: number; rulesHeight: number; offset: number }> {
    const { height, rulesHeight } = await this.backend.chainHeight();
    return { height, rulesHeight: override ?? rulesHeight, offset: rulesHeight - height };
  }

  /** The registry's merged price schedule and the heights it was read at. */
  prices() {
    return this.backend.prices();
  }

  private async existing(raw: Record<string, unknown>): Promise<RegisteredSpec | undefined> {
    const name = nameOf(raw);
    return name ? this.backend.app(name) : undefined;
  }

  private static verdictOrThrow(result: ReturnType<typeof verifyAppSpec>, rulesHeight: number): Verdict {
    if (!result.ok) throw new Refusal(result.error.rule, result.error.message);
    return { spec: result.spec, warnings: result.warnings, rulesHeight };
  }

  /** FluxOS `verifyAppRegistrationParameters`: rules at the height, and the name must be free. */
  async verifyRegistration(raw: Record<string, unknown>, heightOverride?: number): Promise<Verdict> {
    const [{ rulesHeight }, current] = await Promise.all([this.heights(heightOverride), this.existing(raw)]);
    const takenKey = current ? nameKey(current.name) : undefined;
    const result = verifyAppSpec(raw, { height: rulesHeight, mode: 'register', nameTaken: (key) => key === takenKey });
    const verdict = SpecChecks.verdictOrThrow(result, rulesHeight);
    await this.checkDomains(verdict.spec);
    await this.images.check(verdict.spec as unknown as Record<string, unknown>);
    return verdict;
  }

  /** A custom domain belongs to the oldest registration that claims it: a later claimant is refused here. */
  private async checkDomains(spec: FluxAppSpec): Promise<void> {
    const domains = customDomains(runtimeView(spec as unknown as Record<string, unknown>)).map((c) => c.domain);
    if (domains.length === 0) return;
    const [taken] = await this.backend.domainClaims(spec.name, domains);
    if (taken) throw new Refusal('DomainTaken', `domain ${taken.domain} is already claimed by app ${taken.app}: a custom domain belongs to the oldest registration that claims it`);
  }

  /** FluxOS `verifyAppUpdateParameters`: rules at the height, and what may change against the registered spec. */
  async verifyUpdate(raw: Record<string, unknown>, heightOverride?: number): Promise<Verdict & { previous: RegisteredSpec }> {
    const [{ rulesHeight }, current] = await Promise.all([this.heights(heightOverride), this.existing(raw)]);
    if (!current) throw new Refusal('AppNotFound', `name: app ${String(raw.name)} is not registered, so it cannot be updated`);
    const result = verifyAppSpec(raw, { height: rulesHeight, mode: 'update', previous: current });
    const verdict = SpecChecks.verdictOrThrow(result, rulesHeight);
    await this.checkDomains(verdict.spec);
    await this.images.check(verdict.spec as unknown as Record<string, unknown>);
    return { ...verdict, previous: current };
  }

  /**
   * FluxOS `getAppFluxOnChainPrice`: what the paying transaction must carry — the registration amount
   * for a new name, the update amount (minus the unused part of the current subscription) for a
   * registered one. Priced for the next block, where a payment sent now lands: the update amount
   * grows with every block, so pricing the current one would come out short. `heightOverride` (a rules
   * height from `?height=`) replaces the current rules height, as in the verify routes.
   *
   * The amount quoted is the smallest one FluxOS accepts: it compares `valueSat >= price * 1e8` in
   * doubles, so a price of 0.67 needs 0.67000001 FLUX (see flux-spec payment.ts).
   */
  async price(raw: Record<string, unknown>, heightOverride?: number) {
    // The registry's schedule (with the chain's price soft forks) and the heights it was read at.
    const [prices, current] = await Promise.all([this.backend.prices(), this.existing(raw)]);
    const { schedule } = prices;
    const offset = prices.rulesHeight - prices.height;
    const rulesHeight = heightOverride ?? prices.rulesHeight;
    const height = rulesHeight - offset;
    const result = verifyAppSpec(raw, current ? { height: rulesHeight, mode: 'update', previous: current } : { height: rulesHeight });
    const { spec } = SpecChecks.verdictOrThrow(result, rulesHeight);
    const payAt = rulesHeight + 1;
    const amount = current
      ? updateAmount(spec, payAt, { spec: current as unknown as FluxAppSpec, height: current.height + offset }, schedule)
      : registrationAmount(spec, payAt, schedule);
    return { flux: minimumAcceptedFlux(amount), perMonth: appPricePerMonth(spec, payAt, schedule), kind: current ? 'update' as const : 'registration' as const, height, rulesHeight };
  }
}
