/**
 * Instance count (fluxos.md §1.3 "Instances"). The v8 single-instance minimum only
 * applies from its activation height even though the formatter already allows 1.
 */
import { reject } from '../errors';
import { V8_SINGLE_INSTANCE } from '../heights';
import { INSTANCES_MAX, INSTANCES_MIN, INSTANCES_MIN_V8 } from '../limits';

export function minInstances(version: number, height: number): number {
  return version >= 8 && height >= V8_SINGLE_INSTANCE ? INSTANCES_MIN_V8 : INSTANCES_MIN;
}

/** Instances an app runs; pre-v3 apps have no field and count as 3. */
export function instancesOf(spec: { version: number; instances?: number }): number {
  return spec.version >= 3 && typeof spec.instances === 'number' ? spec.instances : INSTANCES_MIN;
}

export function checkInstances(instances: number, version: number, height: number): void {
  const min = minInstances(version, height);
  if (instances < min) reject('instances.tooFew', 'instances', `is ${instances}; the minimum is ${min} at height ${height}`);
  if (instances > INSTANCES_MAX) reject('instances.tooMany', 'instances', `is ${instances}; the maximum is ${INSTANCES_MAX}`);
}
