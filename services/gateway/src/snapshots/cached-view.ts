import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { success } from '../api/envelope';
import { acceptsGzip } from './accept-encoding';

const gzipAsync = promisify(gzip);

/**
 * Bodies at least this long are sent gzipped to clients that accept it. Below it, compression saves
 * less than a packet and costs a copy.
 */
export const GZIP_MIN_BYTES = 1400;

/**
 * One answer of a cached read route, serialised once: the bytes of its Flux envelope (exactly what
 * the route answered before it was cached: `JSON.stringify({status:'success', data})`) and a strong
 * ETag over them; and, for a long body, its gzip encoding (made once, on the first read that accepts
 * it) under an ETag of its own, since RFC 9110 gives each representation its own strong tag.
 */
export class CachedView {
  readonly etag: string;
  readonly gzipEtag: string;
  private gzipped?: Promise<Buffer>;

  constructor(readonly body: Buffer) {
    this.etag = etagOf(body);
    this.gzipEtag = `${this.etag.slice(0, -1)}-gz"`;
  }

  get compressible(): boolean {
    return this.body.length >= GZIP_MIN_BYTES;
  }

  /** The gzip encoding, compressed off the event loop once and shared by every later read. */
  gzip(): Promise<Buffer> {
    return (this.gzipped ??= gzipAsync(this.body));
  }

  /** Whether `If-None-Match` names this answer in either of its encodings (the same data). */
  matches(ifNoneMatch: string | string[] | undefined): boolean {
    return ifNoneMatchHits(ifNoneMatch, this.etag) || ifNoneMatchHits(ifNoneMatch, this.gzipEtag);
  }
}

export function viewOf(data: unknown): CachedView {
  return new CachedView(Buffer.from(JSON.stringify(success(data))));
}

/** A strong ETag: the body's SHA-1, base64url, quoted. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag` (RFC 9110 §13.1.2: `*`, or a list of entity tags
 * compared weakly, so `W/"x"` matches `"x"`).
 */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return value.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/**
 * Answers a cached read: `Cache-Control: max-age=<maxAgeS>` and the ETag always; 304 without a body
 * when `If-None-Match` names the current answer; else the stored bytes as JSON, gzipped when the body
 * is long and the client accepts gzip (FDM and browsers do: `/apps/locations` at Flux's scale is
 * 4 MB of JSON, a tenth of that gzipped). HEAD gets the same headers (Fastify answers HEAD from the
 * GET route and drops the body).
 */
export async function sendView(req: FastifyRequest, reply: FastifyReply, view: CachedView, maxAgeS: number): Promise<FastifyReply> {
  const gzipped = view.compressible && acceptsGzip(req.headers['accept-encoding']);
  reply.header('cache-control', `max-age=${maxAgeS}`).header('etag', gzipped ? view.gzipEtag : view.etag);
  if (view.compressible) reply.header('vary', 'accept-encoding');
  if (view.matches(req.headers['if-none-match'])) return reply.code(304).send();
  reply.header('content-type', 'application/json; charset=utf-8');
  if (!gzipped) return reply.send(view.body);
  return reply.header('content-encoding', 'gzip').send(await view.gzip());
}
