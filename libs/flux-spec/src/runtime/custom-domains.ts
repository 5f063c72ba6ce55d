import type { AppRuntime } from './schema';

/** One custom domain an app claims, and the public port it routes to (FDM: domain i of a component → its port i). */
export interface CustomDomainClaim {
  domain: string;
  port: number;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A `domains[]` entry cleaned the way FDM reads it: trimmed, lowercased, without `http(s)://`, path,
 * port, trailing dot or a leading `www.` (the bare name stands for both). `undefined` when what is left
 * is not a DNS name of at least two labels (253 characters at most).
 */
export function cleanCustomDomain(raw: string): string | undefined {
  let d = raw.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  d = d.split(/[/?#]/, 1)[0]!.replace(/:\d*$/, '').replace(/\.$/, '');
  while (d.startsWith('www.') && d.slice(4).includes('.')) d = d.slice(4);
  if (d.length === 0 || d.length > 253) return undefined;
  const labels = d.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  // A top-level label of digits only would make an IPv4 address look like a name.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return d;
}

/**
 * The custom domains of an app with the port each routes to, in spec order, each domain once (the
 * first claim in the spec wins). Entries may hold several names separated by commas (as FDM reads
 * them); empty and unusable entries, and entries without a published port, are skipped.
 */
export function customDomains(runtime: Pick<AppRuntime, 'components'>): CustomDomainClaim[] {
  const out: CustomDomainClaim[] = [];
  const seen = new Set<string>();
  for (const c of runtime.components) {
    c.domains.forEach((entry, i) => {
      const port = c.ports[i]?.host;
      if (port === undefined || port < 1) return;
      for (const part of entry.split(',')) {
        const domain = cleanCustomDomain(part);
        if (!domain || seen.has(domain)) continue;
        seen.add(domain);
        out.push({ domain, port });
      }
    });
  }
  return out;
}
