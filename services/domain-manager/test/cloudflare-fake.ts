import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRecord { id: string; zone_id: string; name: string; type: string; content: string; ttl: number; proxied: boolean; comment: string | null }

/**
 * A stand-in for Cloudflare's API v4 on loopback, holding zones and records in memory and answering
 * in its documented wire format: the `{success, errors, messages, result, result_info}` envelope,
 * Bearer tokens, `GET /zones?name=`, paged `GET /zones/:id/dns_records`, and
 * `POST /zones/:id/dns_records/batch` (`deletes`, `patches`, `puts`, `posts`, run in that order, all or
 * nothing). Records the requests it got, for assertions on what a client sent.
 */
export class CloudflareFake {
  readonly zones = new Map<string, string>(); // id → name
  readonly records = new Map<string, FakeRecord>();
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];
  private server?: Server;
  url = '';

  constructor(readonly token: string) {}

  addZone(name: string): string {
    const id = randomBytes(16).toString('hex');
    this.zones.set(id, name);
    return id;
  }

  addRecord(zone: string, r: Omit<FakeRecord, 'id' | 'zone_id' | 'proxied' | 'comment'> & { comment?: string | null }): FakeRecord {
    const zoneId = [...this.zones].find(([, n]) => n === zone)![0];
    const rec: FakeRecord = { id: randomBytes(16).toString('hex'), zone_id: zoneId, proxied: false, comment: null, ...r };
    this.records.set(rec.id, rec);
    return rec;
  }

  recordsOf(zone: string): FakeRecord[] {
    return [...this.records.values()].filter((r) => this.zones.get(r.zone_id) === zone).sort((a, b) => `${a.name} ${a.content}`.localeCompare(`${b.name} ${b.content}`));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/v4`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/client\/v4/, '');
    const body = text ? JSON.parse(text) as Record<string, unknown> : undefined;
    this.requests.push({ method: req.method ?? '', path: `${path}${url.search}`, body });
    const ok = (result: unknown, result_info?: unknown) => ({ status: 200, body: { success: true, errors: [], messages: [], result, ...(result_info ? { result_info } : {}) } });
    const fail = (status: number, code: number, message: string) => ({ status, body: { success: false, errors: [{ code, message }], messages: [], result: null } });
    if (req.headers.authorization !== `Bearer ${this.token}`) return fail(403, 10000, 'Authentication error');
    if (req.method === 'GET' && path === '/user/tokens/verify') return ok({ id: 'tok', status: 'active' });
    if (req.method === 'GET' && path === '/zones') {
      const name = url.searchParams.get('name');
      const zones = [...this.zones].filter(([, n]) => !name || n === name).map(([id, n]) => ({ id, name: n, status: 'active' }));
      return ok(zones, { page: 1, per_page: 20, count: zones.length, total_count: zones.length, total_pages: 1 });
    }
    const m = /^\/zones\/([0-9a-f]{32})\/dns_records(\/batch)?$/.exec(path);
    if (!m || !this.zones.has(m[1]!)) return fail(404, 7003, 'Could not route to the zone');
    const zoneId = m[1]!;
    if (req.method === 'GET' && !m[2]) {
      const perPage = Number(url.searchParams.get('per_page') ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = [...this.records.values()].filter((r) => r.zone_id === zoneId);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      return ok(slice, { page, per_page: perPage, count: slice.length, total_count: all.length, total_pages: Math.max(1, Math.ceil(all.length / perPage)) });
    }
    if (req.method === 'POST' && m[2]) return this.batch(zoneId, body ?? {}, ok, fail);
    return fail(405, 10405, 'Method not allowed');
  }

  private batch(zoneId: string, body: Record<string, unknown>, ok: (r: unknown) => { status: number; body: unknown }, fail: (s: number, c: number, m: string) => { status: number; body: unknown }) {
    const next = new Map(this.records);
    const arr = (k: string) => (Array.isArray(body[k]) ? body[k] as Array<Record<string, unknown>> : []);
    const out: Record<string, unknown[]> = { deletes: [], patches: [], puts: [], posts: [] };
    for (const d of arr('deletes')) {
      const r = next.get(String(d.id));
      if (!r || r.zone_id !== zoneId) return fail(400, 81044, `Record ${String(d.id)} does not exist`);
      next.delete(r.id);
      out.deletes!.push({ id: r.id });
    }
    for (const p of arr('patches')) {
      const r = next.get(String(p.id));
      if (!r || r.zone_id !== zoneId) return fail(400, 81044, `Record ${String(p.id)} does not exist`);
      const { id: _id, ...fields } = p;
      const patched = { ...r, ...fields } as FakeRecord;
      next.set(r.id, patched);
      out.patches!.push(patched);
    }
    for (const p of arr('posts')) {
      if (typeof p.name !== 'string' || typeof p.type !== 'string' || typeof p.content !== 'string') return fail(400, 9000, 'DNS record invalid: name, type and content are required');
      if (p.type === 'A' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(p.content)) return fail(400, 9005, 'Content for A record must be a valid IPv4 address');
      const zoneName = this.zones.get(zoneId)!;
      if (p.name !== zoneName && !p.name.endsWith(`.${zoneName}`)) return fail(400, 9007, 'DNS record name is outside the zone');
      if ([...next.values()].some((r) => r.zone_id === zoneId && r.name === p.name && r.type === p.type && r.content === p.content)) {
        return fail(400, 81058, 'An identical record already exists.');
      }
      const rec: FakeRecord = {
        id: randomBytes(16).toString('hex'), zone_id: zoneId, name: p.name, type: p.type, content: p.content,
        ttl: typeof p.ttl === 'number' ? p.ttl : 1, proxied: p.proxied === true, comment: typeof p.comment === 'string' ? p.comment : null,
      };
      next.set(rec.id, rec);
      out.posts!.push(rec);
    }
    this.records.clear();
    for (const [k, v] of next) this.records.set(k, v);
    return ok(out);
  }
}
