import { z } from 'zod';
import type { DnsRecordSet } from '../domain/dns-records';
import type { ZoneChanges } from '../domain/dns-plan';
import { DnsProviderError, httpJson, OWNER_MARK, type DnsProvider } from './dns-provider';

export interface PowerDnsOptions {
  /** e.g. `http://127.0.0.1:18082` (the webserver of pdns with `api=yes`). */
  url: string;
  apiKey: string;
  serverId?: string;
  timeoutMs?: number;
}

const ACCOUNT = 'fluxplane';

const Zone = z.object({
  name: z.string(),
  rrsets: z.array(z.object({
    name: z.string(),
    type: z.string(),
    ttl: z.number().int(),
    records: z.array(z.object({ content: z.string(), disabled: z.boolean().optional() })),
    comments: z.array(z.object({ content: z.string(), account: z.string().optional() })).optional(),
  })),
});

const dot = (name: string) => (name.endsWith('.') ? name : `${name}.`);
const undot = (name: string) => name.replace(/\.$/, '').toLowerCase();

/**
 * PowerDNS Authoritative over its HTTP API (`X-API-Key`). A zone fluxplane writes is created as a
 * Native zone when missing; records it writes carry a comment of account `fluxplane`, and only those
 * are listed as its own. One zone's changes are one `PATCH …/zones/<zone>` (REPLACE and DELETE
 * rrsets), which PowerDNS applies in one transaction and after which it answers at once (the API
 * purges the packet cache).
 */
export class PowerDnsProvider implements DnsProvider {
  readonly name = 'powerdns';
  private readonly base: string;
  private readonly known = new Set<string>();

  constructor(private readonly opts: PowerDnsOptions) {
    this.base = `${opts.url.replace(/\/$/, '')}/api/v1/servers/${encodeURIComponent(opts.serverId ?? 'localhost')}`;
  }

  private async call(method: string, path: string, body?: unknown) {
    const res = await httpJson(`${this.base}${path}`, {
      method,
      headers: { 'X-API-Key': this.opts.apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.opts.timeoutMs,
    });
    return res;
  }

  private fail(what: string, res: { status: number; body: unknown; text: string }): never {
    const detail = (res.body as { error?: unknown } | undefined)?.error ?? res.text.slice(0, 300);
    throw new DnsProviderError(`PowerDNS ${what}: HTTP ${res.status} ${String(detail)}`, res.status);
  }

  async ping(): Promise<void> {
    const res = await this.call('GET', '');
    if (res.status !== 200) this.fail('server', res);
  }

  async ensureZone(zone: string): Promise<void> {
    if (this.known.has(zone)) return;
    const got = await this.call('GET', `/zones/${encodeURIComponent(dot(zone))}?rrsets=false`);
    if (got.status === 404 || got.status === 422) {
      const created = await this.call('POST', '/zones', { name: dot(zone), kind: 'Native', nameservers: [`ns1.${dot(zone)}`], account: ACCOUNT });
      // 409: created meanwhile by another domain manager.
      if (created.status !== 201 && created.status !== 409) this.fail(`create zone ${zone}`, created);
    } else if (got.status !== 200) {
      this.fail(`zone ${zone}`, got);
    }
    this.known.add(zone);
  }

  async records(zone: string): Promise<DnsRecordSet[]> {
    const res = await this.call('GET', `/zones/${encodeURIComponent(dot(zone))}`);
    if (res.status === 404) this.known.delete(zone);
    if (res.status !== 200) this.fail(`zone ${zone}`, res);
    const parsed = Zone.safeParse(res.body);
    if (!parsed.success) throw new DnsProviderError(`PowerDNS zone ${zone}: unexpected answer (${parsed.error.issues[0]?.message})`);
    return parsed.data.rrsets
      .filter((r) => (r.type === 'A' || r.type === 'AAAA') && (r.comments ?? []).some((c) => c.account === ACCOUNT))
      .map((r) => ({ name: undot(r.name), type: r.type as 'A' | 'AAAA', ttl: r.ttl, contents: r.records.filter((x) => !x.disabled).map((x) => x.content) }))
      .filter((r) => r.contents.length > 0);
  }

  async apply(changes: ZoneChanges): Promise<void> {
    const rrsets = [
      ...changes.deletes.map((d) => ({ name: dot(d.name), type: d.type, changetype: 'DELETE' })),
      ...changes.upserts.map((u) => ({
        name: dot(u.name), type: u.type, ttl: u.ttl, changetype: 'REPLACE',
        records: u.contents.map((content) => ({ content, disabled: false })),
        comments: [{ content: OWNER_MARK, account: ACCOUNT }],
      })),
    ];
    if (rrsets.length === 0) return;
    const res = await this.call('PATCH', `/zones/${encodeURIComponent(dot(changes.zone))}`, { rrsets });
    if (res.status === 404) this.known.delete(changes.zone);
    if (res.status !== 204 && res.status !== 200) this.fail(`PATCH zone ${changes.zone}`, res);
  }
}
