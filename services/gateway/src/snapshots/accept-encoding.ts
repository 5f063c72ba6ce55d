/**
 * Whether an `Accept-Encoding` header admits gzip (RFC 9110 §12.5.3): `gzip` (or its alias
 * `x-gzip`) or `*` listed with a quality above zero, where an explicit `gzip;q=0` refuses it even
 * beside `*`. No header: identity only, the safe reading for a client that said nothing.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const item of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [token = '', ...params] = item.split(';').map((p) => p.trim().toLowerCase());
    const q = qualityOf(params);
    if (token === 'gzip' || token === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (token === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}

function qualityOf(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  if (!q) return 1;
  const value = Number(q.slice(2));
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0;
}
