import { Refusal } from '@fluxplane/contracts';

/** Another registered app and the custom domains its spec claims (cleaned, `customDomains`). */
export interface DomainClaimant {
  name: string;
  domains: readonly string[];
}

/**
 * A custom domain belongs to the oldest registration that claims it (FDM's rule, which FDM itself
 * never enforces): a message whose spec claims a domain an active app of another name already
 * claims is refused, naming the domain and its owner, instead of a silent conflict at the load
 * balancer. An update keeps the domains its own app claims.
 */
export function decideDomainClaims(app: string, claimed: readonly string[], others: readonly DomainClaimant[]): void {
  const key = app.toLowerCase();
  for (const domain of claimed) {
    const owner = others.find((o) => o.name.toLowerCase() !== key && o.domains.includes(domain));
    if (owner) {
      throw new Refusal('DomainTaken', `domain ${domain} is already claimed by app ${owner.name}: a custom domain belongs to the oldest registration that claims it`);
    }
  }
}
