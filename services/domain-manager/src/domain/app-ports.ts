/**
 * The public ports of a Flux app spec, in the order FDM uses them: the first one is also reachable
 * under the bare `<app>.app.<domain>` name. Specs are kept as received (see contracts), so fields
 * may be numbers or numeric strings; anything that is not a valid TCP port is ignored rather than
 * failing the whole projection on one odd spec.
 */
export function appPorts(spec: Record<string, unknown>): number[] {
  const raw: unknown[] = [];
  if (Array.isArray(spec.compose)) {
    // v4+: one entry per component, ports of each component in order.
    for (const component of spec.compose) {
      const ports = (component as { ports?: unknown } | null)?.ports;
      if (Array.isArray(ports)) raw.push(...ports);
    }
  } else if (Array.isArray(spec.ports)) {
    raw.push(...spec.ports); // v2/v3: an array of strings
  } else if (spec.port !== undefined) {
    raw.push(spec.port); // v1: a single port
  }
  const out: number[] = [];
  for (const value of raw) {
    const port = toPort(value);
    if (port !== undefined && !out.includes(port)) out.push(port);
  }
  return out;
}

function toPort(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}
