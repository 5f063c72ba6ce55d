/**
 * The verify and price routes' logic, apart from HTTP: which rules height applies, what the
 * registry knows about the app, and flux-spec's verdict and price.
 */
import { Injectable } from '@nestjs/common';
import {
  appPricePerMonth, FluxAppSpec, registrationAmount, SpecWarning, updateAmount, verifyAppSpec, nameKey,
} from '@fluxplane/flux-spec';
import { Backend, RegisteredSpec } from '../adapters/backend';
import { ApiError } from '../api/envelope';

export interface Verdict { spec: FluxAppSpec; warnings: SpecWarning[]; rulesHeight: number }

const nameOf = (raw: Record<string, unknown>): string | undefined =>
  typeof raw.name === 'string' && raw.name.length > 0 && raw.name.length <= 100 ? raw.name : undefined;

@Injectable()
export class SpecChecks {
  constructor(private readonly backend: Backend) {}

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
    if (!result.ok) throw new ApiError(422, 'InvalidSpecification', `${result.error.message} [${result.error.rule}]`);
    return { spec: result.spec, warnings: result.warnings, rulesHeight };
  }

  /** FluxOS `verifyAppRegistrationParameters`: rules at the height, and the name must be free. */
  async verifyRegistration(raw: Record<string, unknown>, heightOverride?: number): Promise<Verdict> {
    const [{ rulesHeight }, current] = await Promise.all([this.heights(heightOverride), this.existing(raw)]);
    const takenKey = current ? nameKey(current.name) : undefined;
    const result = verifyAppSpec(raw, { height: rulesHeight, mode: 'register', nameTaken: (key) => key === takenKey });
    return SpecChecks.verdictOrThrow(result, rulesHeight);
  }

  /** FluxOS `verifyAppUpdateParameters`: rules at the height, and what may change against the registered spec. */
  async verifyUpdate(raw: Record<string, unknown>, heightOverride?: number): Promise<Verdict & { previous: RegisteredSpec }> {
    const [{ rulesHeight }, current] = await Promise.all([this.heights(heightOverride), this.existing(raw)]);
    if (!current) throw new ApiError(404, 'AppNotFound', `name: app ${String(raw.name)} is not registered, so it cannot be updated`);
    const result = verifyAppSpec(raw, { height: rulesHeight, mode: 'update', previous: current });
    return { ...SpecChecks.verdictOrThrow(result, rulesHeight), previous: current };
  }

  /**
   * FluxOS `getAppFluxOnChainPrice`: what the paying transaction must carry — the registration amount
   * for a new name, the update amount (minus the unused part of the current subscription) for a
   * registered one. Priced for the next block, where a payment sent now lands: the update amount
   * grows with every block, so pricing the current one would come out short.
   */
  async price(raw: Record<string, unknown>) {
    // The registry's schedule (with the chain's price soft forks) and the heights it was read at.
    const [{ height, rulesHeight, schedule }, current] = await Promise.all([this.backend.prices(), this.existing(raw)]);
    const offset = rulesHeight - height;
    const result = verifyAppSpec(raw, current ? { height: rulesHeight, mode: 'update', previous: current } : { height: rulesHeight });
    const { spec } = SpecChecks.verdictOrThrow(result, rulesHeight);
    const payAt = rulesHeight + 1;
    const flux = current
      ? updateAmount(spec, payAt, { spec: current as unknown as FluxAppSpec, height: current.height + offset }, schedule)
      : registrationAmount(spec, payAt, schedule);
    return { flux, perMonth: appPricePerMonth(spec, payAt, schedule), kind: current ? 'update' as const : 'registration' as const, height, rulesHeight };
  }
}
