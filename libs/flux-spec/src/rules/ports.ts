/**
 * Port rules (fluxos.md §1.3 "Ports"): host port range by height, banned ports,
 * container port range, ≤5 ports per component with matching containerPorts/domains,
 * and host ports unique across the whole app.
 */
import { reject } from '../errors';
import { PORT_RANGE_WIDENED } from '../heights';
import {
  BANNED_PORT_RANGES, CONTAINER_PORT_MAX, CONTAINER_PORT_MIN, ENTERPRISE_PORT_RANGES, MAX_PORTS_PER_COMPONENT,
  PORT_MAX, PORT_MAX_LEGACY, PORT_MIN, PORT_MIN_LEGACY,
} from '../limits';
import type { FluxAppSpec } from '../types';

const inRanges = (port: number, ranges: ReadonlyArray<readonly [number, number]>): boolean =>
  ranges.some(([lo, hi]) => port >= lo && port <= hi);

/** Ports reserved for FluxOS, Syncthing and well-known system daemons. Accepts v2/v3 string ports. */
export function isPortBanned(port: number | string): boolean {
  return inRanges(Number(port), BANNED_PORT_RANGES);
}

/** Ports that cost the `port` surcharge in the price. */
export function isPortEnterprise(port: number | string): boolean {
  return inRanges(Number(port), ENTERPRISE_PORT_RANGES);
}

/** Allowed host port range at a height. */
export function hostPortRange(height: number): { min: number; max: number } {
  return height >= PORT_RANGE_WIDENED ? { min: PORT_MIN, max: PORT_MAX } : { min: PORT_MIN_LEGACY, max: PORT_MAX_LEGACY };
}

/** A published (host) port: inside the height's range and not banned. */
export function checkHostPort(port: number | string, height: number, path: string): void {
  const { min, max } = hostPortRange(height);
  // FluxOS compares v2/v3 string ports numerically; a non-numeric one was refused earlier.
  const n = Number(port);
  if (n < min || n > max) reject('ports.outOfRange', path, `${port} is outside the range allowed for host ports (${min}-${max})`);
  if (isPortBanned(n)) reject('ports.banned', path, `${port} is one of the banned ports reserved for the node`);
}

export function checkContainerPort(port: number | string, path: string): void {
  const n = Number(port);
  if (n < CONTAINER_PORT_MIN || n > CONTAINER_PORT_MAX) {
    reject('containerPorts.outOfRange', path, `${port} is outside the range allowed for containerPorts (${CONTAINER_PORT_MIN}-${CONTAINER_PORT_MAX})`);
  }
}

/** ports, containerPorts and domains are parallel lists of at most 5 entries. */
export function checkPortLists(ports: unknown[], containerPorts: unknown[], domains: unknown[], path: string): void {
  if (containerPorts.length !== ports.length) {
    reject('containerPorts.lengthMismatch', `${path}containerPorts`, `has ${containerPorts.length} entries but ports has ${ports.length}`);
  }
  if (domains.length !== ports.length) {
    reject('domains.lengthMismatch', `${path}domains`, `has ${domains.length} entries but ports has ${ports.length}`);
  }
  if (ports.length > MAX_PORTS_PER_COMPONENT) {
    reject('ports.tooMany', `${path}ports`, `has ${ports.length} ports; at most ${MAX_PORTS_PER_COMPONENT} are allowed`);
  }
}

/** Every host port the app publishes, as numbers. */
export function appHostPorts(spec: FluxAppSpec): number[] {
  if (spec.version === 1) return [Number(spec.port)];
  if (spec.version <= 3) return (spec.ports ?? []).map(Number);
  return (spec.compose ?? []).flatMap((c) => c.ports.map(Number));
}

/** A host port may be published once per app (`portManager.ensureAppUniquePorts`). */
export function checkUniquePorts(spec: FluxAppSpec): void {
  const seen = new Set<number>();
  for (const p of appHostPorts(spec)) {
    if (seen.has(p)) reject('ports.duplicate', 'ports', `port ${p} appears more than once among the app's ports`);
    seen.add(p);
  }
}
