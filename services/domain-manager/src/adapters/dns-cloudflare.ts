import { z } from 'zod';
import type { DnsRecordSet } from '../domain/dns-records';
import type { ZoneChanges } from '../domain/dns-plan';
import { DnsProviderError, httpJson, OWNER_MARK, type DnsProvider } from './dns-provider';

export interface CloudflareOptions {
  /** `https://api.cloudflare.com/client/v4` (or a local stand-in in tests). */
  url: string;
  /** An API token with Zone:Read and DNS:Edit on the zones (sent as `Authorization: Bearer`). */
  token: string;
  timeoutMs?: number;
  /** Records per page when listing (Cloudflare allows up to 5,000 for dns_records; 100 is its default). */
  perPage?: number;
}

/** Cloudflare v4's envelope: `{success, errors, messages, result, result_info?}`. */
const Envelope = z.object({
  success: z.boolean(),
  errors: z.array(z.object({ code: z.number().optional(), message: z.string() })).default([]),
  result: z.unknown(),
  result_info: z.object({ page: z.number(), total_pages: z.number() }).partial().optional(),
});
const Zones = z.array(z.object({ id: z.string().min(1), name: z.string() }));
const CfRecord = z.object({
  id: z.string().min(1),
  name: z.string(),
  type: z.string(),
  content: z.string(),
  ttl: z.number().int(),
  comment: z.string().nullable().optional(),
});
type CfRecord = z.infer<typeof CfRecord>;

/**
 * Cloudflare's DNS API v4. Zones must exist in the account (looked up by name, id cached). Records are
 * one value each, so an rrset is the records of one name and type; fluxplane's are those whose
 * `comment` is its marker. One zone's changes are one `POST /zones/<id>/dns_records/batch`
 * (`deletes`, `patches`, `posts`, run by Cloudflare in that order in one transaction). Records are
 * DNS-only (`proxied: false`): they point at the load balancers themselves.
 */
export class CloudflareProvider implements DnsProvider {
  readonly name = 'cloudflare';
  private readonly base: string;
  private readonly zoneIds = new Map<string, string>();

  constructor(private readonly opts: CloudflareOptions) {
    this.base = opts.url.replace(/\/$/, '');
  }

  private async call(method: string, path: string, body?: unknown): Promise<z.infer<typeof Envelope>> {
    const res = await httpJson(`${this.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.opts.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.opts.timeoutMs,
    });
    const env = Envelope.safeParse(res.body);
    if (!env.success) throw new DnsProviderError(`Cloudflare ${method} ${path}: HTTP ${res.status}, not a v4 envelope: ${res.text.slice(0, 200)}`, res.status);
    if (res.status >= 300 || !env.data.success) {
      const errors = env.data.errors.map((e) => (e.code ? `${e.code} ${e.message}` : e.message)).join('; ') || 'no error given';
      throw new DnsProviderError(`Cloudflare ${method} ${path}: HTTP ${res.status}: ${errors}`, res.status);
    }
    return env.data;
  }

  private async zoneId(zone: string): Promise<string> {
    const cached = this.zoneIds.get(zone);
    if (cached) return cached;
    const env = await this.call('GET', `/zones?name=${encodeURIComponent(zone)}`);
    const zones = Zones.parse(env.result);
    const found = zones.find((z_) => z_.name.toLowerCase() === zone);
    if (!found) throw new DnsProviderError(`Cloudflare: zone ${zone} is not in the account (add it, or remove it from DNS_CUSTOM_ZONES)`);
    this.zoneIds.set(zone, found.id);
    return found.id;
  }

  async ping(): Promise<void> {
    await this.call('GET', '/user/tokens/verify');
  }

  async ensureZone(zone: string): Promise<void> {
    await this.zoneId(zone);
  }

  /** Every A/AAAA record of the zone that carries the marker, page by page. */
  private async ownRecords(zoneId: string): Promise<CfRecord[]> {
    const out: CfRecord[] = [];
    const perPage = this.opts.perPage ?? 100;
    for (let page = 1; ; page++) {
      const env = await this.call('GET', `/zones/${zoneId}/dns_records?per_page=${perPage}&page=${page}`);
      const records = z.array(z.looseObject(CfRecord.shape)).parse(env.result);
      out.push(...records.filter((r) => (r.type === 'A' || r.type === 'AAAA') && r.comment === OWNER_MARK));
      const total = env.result_info?.total_pages ?? 1;
      if (page >= total || records.length === 0) return out;
    }
  }

  async records(zone: string): Promise<DnsRecordSet[]> {
    const byKey = new Map<string, DnsRecordSet>();
    for (const r of await this.ownRecords(await this.zoneId(zone))) {
      const key = `${r.name.toLowerCase()} ${r.type}`;
      const set = byKey.get(key) ?? { name: r.name.toLowerCase(), type: r.type as 'A' | 'AAAA', ttl: r.ttl, contents: [] };
      set.contents.push(r.content);
      byKey.set(key, set);
    }
    return [...byKey.values()];
  }

  async apply(changes: ZoneChanges): Promise<void> {
    if (changes.upserts.length === 0 && changes.deletes.length === 0) return;
    const zoneId = await this.zoneId(changes.zone);
    const own = await this.ownRecords(zoneId);
    const of = (name: string, type: string) => own.filter((r) => r.name.toLowerCase() === name && r.type === type);
    const deletes: Array<{ id: string }> = [];
    const patches: Array<Record<string, unknown>> = [];
    const posts: Array<Record<string, unknown>> = [];
    for (const d of changes.deletes) deletes.push(...of(d.name, d.type).map((r) => ({ id: r.id })));
    for (const u of changes.upserts) {
      const existing = of(u.name, u.type);
      for (const r of existing) {
        if (!u.contents.includes(r.content)) deletes.push({ id: r.id });
        else if (r.ttl !== u.ttl) patches.push({ id: r.id, name: u.name, type: u.type, content: r.content, ttl: u.ttl, proxied: false, comment: OWNER_MARK });
      }
      for (const content of u.contents) {
        if (!existing.some((r) => r.content === content)) posts.push({ name: u.name, type: u.type, content, ttl: u.ttl, proxied: false, comment: OWNER_MARK });
      }
    }
    if (deletes.length + patches.length + posts.length === 0) return;
    await this.call('POST', `/zones/${zoneId}/dns_records/batch`, {
      ...(deletes.length ? { deletes } : {}),
      ...(patches.length ? { patches } : {}),
      ...(posts.length ? { posts } : {}),
    });
  }
}
