import type { RoutableApp } from './routing-state';

/** Who serves a custom domain: an app and the public port the domain routes to. */
export interface DomainOwner {
  domain: string;
  app: string;
  port: number;
}

/**
 * The owner of each custom domain among the active apps: the oldest claim wins (lowest `since`, the
 * stream sequence of the event that first claimed it; ties by app name), so a later registration that
 * slipped past the registry's refusal (two messages in flight at once) never takes a domain from the
 * app that had it. Names under the app zone are FDM's own (`<app>.app.<domain>`) and are never custom;
 * a domain must route to one of the app's public ports. Sorted by domain.
 */
export function domainOwners(apps: readonly RoutableApp[], appZone: string): DomainOwner[] {
  const zone = appZone.toLowerCase();
  const best = new Map<string, { owner: DomainOwner; since: number }>();
  for (const app of apps) {
    const name = app.name.toLowerCase();
    for (const d of app.domains ?? []) {
      if (d.domain === zone || d.domain.endsWith(`.${zone}`) || !app.ports.includes(d.port)) continue;
      const cur = best.get(d.domain);
      if (!cur || d.since < cur.since || (d.since === cur.since && name < cur.owner.app)) {
        best.set(d.domain, { owner: { domain: d.domain, app: name, port: d.port }, since: d.since });
      }
    }
  }
  return [...best.values()].map((b) => b.owner).sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
}

/** The hosts a custom domain is served as: the bare name and its `www.` variant (FDM serves both). */
export function customDomainHosts(domain: string): string[] {
  return [domain, `www.${domain}`];
}
