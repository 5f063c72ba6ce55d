import type { DnsRecordSet } from '../domain/dns-records';
import type { ZoneChanges } from '../domain/dns-plan';

/** The marker fluxplane puts on every record it writes: only marked records are ever changed or removed. */
export const OWNER_MARK = 'managed by fluxplane';

/**
 * A DNS service the domain manager writes app records to (PowerDNS, Cloudflare). The applier only
 * knows this interface: names are fully qualified without a trailing dot, values are rrsets.
 */
export interface DnsProvider {
  readonly name: string;
  /** Makes sure the zone exists and can be written (PowerDNS creates it; Cloudflare must already have it). */
  ensureZone(zone: string): Promise<void>;
  /** The A/AAAA rrsets of the zone that carry fluxplane's marker. */
  records(zone: string): Promise<DnsRecordSet[]>;
  /** Applies one zone's changes in one request (PowerDNS PATCH, Cloudflare batch). */
  apply(changes: ZoneChanges): Promise<void>;
  /** Throws when the provider does not answer (for /health). */
  ping(): Promise<void>;
}

export const DNS_PROVIDER = Symbol('fluxplane.domain-manager.dns-provider');

/** A provider's refusal or an unexpected answer, with what was asked and what came back. */
export class DnsProviderError extends Error {
  override readonly name = 'DnsProviderError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** `fetch` with a timeout and the body read as text (for error messages and zod parsing). */
export async function httpJson(url: string, init: RequestInit & { timeoutMs?: number }): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  const text = await res.text();
  let body: unknown;
  try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
  return { status: res.status, body, text };
}
