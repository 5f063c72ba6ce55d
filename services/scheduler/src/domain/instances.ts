import { num, type Loose } from './spec-values';

/** fluxos.md §1.3 "Instances": minimum 3, 1 for v8; at most 100; pre-v3 apps count as 3. */
export const DEFAULT_INSTANCES = 3;
export const MIN_INSTANCES = 3;
export const MIN_INSTANCES_V8 = 1;
export const MAX_INSTANCES = 100;

/**
 * How many instances the app wants. The registry validated the spec against the height it was
 * registered at, so we use what the spec says and only clamp to the bounds of its version (a v8 spec
 * may ask for 1; older ones never fewer than 3).
 */
export function desiredInstances(spec: Loose): number {
  const version = num(spec.version) ?? 1;
  if (version < 3) return DEFAULT_INSTANCES;
  const n = num(spec.instances);
  if (n === undefined || !Number.isInteger(n)) return DEFAULT_INSTANCES;
  const min = version >= 8 ? MIN_INSTANCES_V8 : MIN_INSTANCES;
  return Math.min(MAX_INSTANCES, Math.max(min, n));
}
