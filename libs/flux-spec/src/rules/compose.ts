/** Number of compose components by height (fluxos.md §1.3 "Compose"). */
import { reject } from '../errors';
import { COMPOSE_TEN_COMPONENTS } from '../heights';
import { COMPONENTS_MAX, COMPONENTS_MAX_LEGACY } from '../limits';

export function maxComponents(height: number): number {
  return height < COMPOSE_TEN_COMPONENTS ? COMPONENTS_MAX_LEGACY : COMPONENTS_MAX;
}

export function checkComponentCount(count: number, height: number): void {
  if (count < 1) reject('compose.empty', 'compose', 'the app needs at least one component');
  const max = maxComponents(height);
  if (count > max) reject('compose.tooMany', 'compose', `has ${count} components; at most ${max} are allowed at height ${height}`);
}
