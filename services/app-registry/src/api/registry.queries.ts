import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@fluxplane/service-kit';
import type { RegistryConfig } from '../config';
import { pageOf, type AppMessagesQuery, type AppPrices, type AppSpecsQuery, type DomainClaims, type DomainClaimsQuery, type RegisteredSpec } from '@fluxplane/contracts';
import { nameKey } from '@fluxplane/flux-spec';
import { RegistryReader } from '../projections/registry.reader';
import { Prices } from '../projections/prices.reader';

/** Answers in FluxOS's shapes, so the gateway passes them through unchanged. */
@Injectable()
export class RegistryQueries {
  constructor(private readonly reader: RegistryReader, private readonly priceSchedule: Prices, @Inject(CONFIG) private readonly config: RegistryConfig) {}

  private get rulesOffset(): number {
    return this.config.RULES_HEIGHT_OFFSET;
  }

  /** `/apps/globalappsspecifications`: each spec with the hash and height of its latest paid message. */
  async specs(q: AppSpecsQuery): Promise<RegisteredSpec[]> {
    const apps = await this.reader.apps({ owner: q.owner, hash: q.hash, nameKey: q.name ? nameKey(q.name) : undefined });
    // A stored spec is a formatted one: it carries its name and owner (the responder checks the reply).
    return pageOf(apps, q).map((a) => ({ ...a.spec, hash: a.hash, height: a.height }) as RegisteredSpec);
  }

  async messages(q: AppMessagesQuery) {
    const rows = await this.reader.messages({
      state: q.state, hash: q.hash, owner: q.owner, nameKey: q.name ? nameKey(q.name) : undefined,
      validAt: q.state === 'temporary' ? new Date() : undefined,
    });
    return pageOf(rows, q).map((r) => {
      const base = { type: r.message.type, version: r.message.version, appSpecifications: r.message.appSpecifications, hash: r.hash, timestamp: r.message.timestamp, signature: r.message.signature };
      return q.state === 'permanent'
        ? { ...base, txid: r.txid, height: r.height, valueSat: r.amountSat }
        : { ...base, receivedAt: r.receivedAt.toISOString(), expireAt: r.validUntil.toISOString() };
    });
  }

  /** `/apps/hashes`: every app payment seen on chain and whether its message is known. */
  async hashes() {
    const [payments, permanent] = await Promise.all([this.reader.payments(), this.reader.messages({ state: 'permanent' })]);
    const known = new Set(permanent.map((m) => m.hash));
    return payments.map((p) => ({ txid: p.txid, height: p.height, hash: p.hash, value: p.amountSat, message: known.has(p.hash), messageNotFound: false }));
  }

  /** The indexed chain height, and the height whose Flux rules apply to it. */
  async height() {
    const height = await this.reader.height();
    return { height, rulesHeight: height + this.rulesOffset };
  }

  /** `qry.app-registry.domain-claims`: the owners among the other active apps of the domains asked about. */
  async domainClaims(q: DomainClaimsQuery): Promise<DomainClaims> {
    const claimants = await this.reader.domainClaimants(q.domains, nameKey(q.app));
    return claimants.flatMap((c) => c.domains.map((domain) => ({ domain, app: c.name })));
  }

  /** The merged price schedule (rules heights) and the heights it was read at. */
  async prices(): Promise<AppPrices> {
    const height = await this.reader.height();
    return { height, rulesHeight: height + this.rulesOffset, schedule: await this.priceSchedule.schedule() };
  }
}
